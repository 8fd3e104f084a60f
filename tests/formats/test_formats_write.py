"""Writers never lose data silently: what a format cannot hold is reported by reason and row count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from winnow.curation.io.read import read_corpus
from winnow.curation.io.write import convert_records, write_records
from winnow.curation.record import frame_from_rows

CHAT = [
    {"role": "user", "content": "q1"},
    {"role": "assistant", "content": "a1"},
    {"role": "user", "content": "q2"},
    {"role": "assistant", "content": "a2"},
]
SINGLE = CHAT[:2]


@pytest.mark.parametrize(
    ("fmt", "row", "reason"),
    [
        ("dolly", {"kind": "sft", "messages": CHAT}, "multi-turn conversation (dolly holds one exchange)"),
        ("alpaca", {"kind": "pretrain", "text": "doc"}, "pretrain rows (alpaca holds sft rows)"),
        (
            "dolly",
            {"kind": "sft", "messages": SINGLE, "system": "s"},
            "system prompt (dolly has no system field)",
        ),
        (
            "alpaca",
            {"kind": "sft", "messages": SINGLE, "tools": "[]"},
            "tool schemas (alpaca has no tools field)",
        ),
        (
            "messages",
            {"kind": "sft", "messages": SINGLE, "task": "qa"},
            "task (a bare message list has nowhere to keep it)",
        ),
        (
            "hh",
            {"kind": "preference", "messages": SINGLE[:1], "system": "s", "chosen": "a", "rejected": "b"},
            "system prompt (hh has no system field)",
        ),
        (
            "openai",
            {
                "kind": "sft",
                "messages": [{"role": "user", "content": "q"}, {"role": "tool_call", "content": "not json"}],
            },
            "tool call content that is not JSON {name, arguments}",
        ),
        ("kto", {"kind": "sft", "messages": SINGLE}, "sft rows (kto holds kto rows)"),
        (
            "alpaca",
            {"kind": "sft", "messages": [*SINGLE, {"role": "user", "content": "q"}]},
            "conversation shape user/assistant/user (alpaca holds user/assistant pairs)",
        ),
    ],
)
def test_rows_a_format_cannot_hold_are_counted_not_written(
    fmt: str, row: dict[str, Any], reason: str
) -> None:
    rows, report = convert_records(frame_from_rows([row]), fmt)
    assert report.dropped == {reason: 1}
    assert (report.rows_written, rows) == (0, [])


def test_meta_key_colliding_with_a_format_field_is_reported() -> None:
    frame = frame_from_rows(
        [{"kind": "sft", "messages": SINGLE, "task": "qa", "meta": '{"category": "other", "x": 1}'}]
    )
    rows, report = convert_records(frame, "dolly")
    assert rows == [{"instruction": "q1", "context": "", "response": "a1", "category": "qa", "x": 1}]
    assert report.lost_fields == {"meta field 'category' collides with a dolly field (not written)": 1}


def test_input_is_merged_into_the_user_turn_of_chat_formats_with_a_note() -> None:
    frame = frame_from_rows([{"kind": "sft", "messages": SINGLE, "input": "ctx"}])
    rows, report = convert_records(frame, "sharegpt")
    assert rows == [
        {"conversations": [{"from": "human", "value": "q1\nctx"}, {"from": "gpt", "value": "a1"}]}
    ]
    assert report.notes == {"input merged into the last user turn (sharegpt has no input field)": 1}


def test_meta_survives_a_chain_of_conversions(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"instruction": "q", "input": "", "output": "a", "quality": 0.9, "tags": ["x"]}) + "\n"
    )
    frame = read_corpus([source]).records
    for fmt in ("sharegpt", "openai", "llamafactory_v1", "alpaca"):
        out = tmp_path / f"{fmt}.json"
        assert write_records(frame, out, format=fmt, file_format="json").rows_written == 1
        frame = read_corpus([out]).records
        assert json.loads(frame["meta"][0]) == {"quality": 0.9, "tags": ["x"]}, fmt


def test_write_records_rejects_unknown_file_format(tmp_path: Path) -> None:
    from winnow.curation.errors import UsageError

    with pytest.raises(UsageError, match="unknown file format 'csv'"):
        write_records(frame_from_rows([]), tmp_path / "x.csv", format="alpaca", file_format="csv")


def test_openai_writes_tools_as_json_text_in_every_row() -> None:
    """LLaMA-Factory reads `tools` as a string and Arrow needs one type: a list failed both (issue 18)."""
    frame = frame_from_rows(
        [
            {"kind": "sft", "messages": SINGLE},
            {"kind": "sft", "messages": SINGLE, "tools": '[{"name": "f"}]'},
        ]
    )
    for fmt in ("openai", "kto"):
        rows, _ = convert_records(frame.with_columns(kind=pl.lit(fmt if fmt == "kto" else "sft")), fmt)
        assert [row["tools"] for row in rows] == ["", '[{"name": "f"}]'], fmt
