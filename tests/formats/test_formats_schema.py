"""One schema across a written file's rows (winnow.curation.formats.schema): the rule Arrow and LLaMA-Factory apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import shared_path
from winnow.curation.formats.registry import all_formats, get_format
from winnow.curation.formats.schema import schema_problems, unify_rows
from winnow.curation.io.read import read_corpus
from winnow.curation.io.write import convert_records
from winnow.curation.record import frame_from_rows

SINGLE = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
TOOLS = '[{"name": "get_time", "parameters": {"type": "object", "properties": {}}}]'
CALL = [
    {"role": "user", "content": "time?"},
    {"role": "tool_call", "content": '{"name": "get_time", "arguments": {}}'},
    {"role": "tool", "content": '{"time": "noon"}'},
    {"role": "assistant", "content": "It is noon."},
]


def test_schema_problems_names_missing_keys_and_mixed_types() -> None:
    rows = [{"a": "x", "b": [1]}, {"a": 1}, {"a": None, "b": [{"c": 1}]}]
    assert schema_problems(rows) == [
        "'b' is present in 2 of 3 rows",
        ".a holds number and string values",
        ".b[] holds number and object values",
    ]
    assert schema_problems([{"a": "x", "m": [{"r": "u", "t": None}]}, {"a": None, "m": []}]) == []


def test_unify_fills_format_strings_with_empty_text_and_extra_keys_with_null() -> None:
    rows, notes = unify_rows(
        [{"conversations": [], "x": 1}, {"conversations": [], "tools": TOOLS}], get_format("sharegpt")
    )
    assert rows == [
        {"conversations": [], "x": 1, "tools": ""},
        {"conversations": [], "tools": TOOLS, "x": None},
    ]
    assert notes == {}


def test_unify_writes_an_extra_key_of_several_types_as_json_text() -> None:
    rows, notes = unify_rows(
        [{"messages": [], "q": 0.9}, {"messages": [], "q": "high"}], get_format("openai")
    )
    assert [row["q"] for row in rows] == ["0.9", "high"]
    assert notes == {
        "extra field 'q' holds values of several JSON types; non-text values written as JSON text": 1
    }
    assert schema_problems(rows) == []


# rows each format holds, mixed so the first rows lack what later rows have (system, tools, meta keys)
MIXED = {
    "sft": [
        {"kind": "sft", "messages": SINGLE},
        {"kind": "sft", "messages": SINGLE, "system": "Be brief.", "meta": json.dumps({"source_id": 3})},
        {"kind": "sft", "messages": CALL, "tools": TOOLS},
        {"kind": "sft", "messages": SINGLE, "input": "ctx", "meta": json.dumps({"source_id": "x"})},
    ],
    "preference": [
        {"kind": "preference", "messages": SINGLE[:1], "chosen": "c", "rejected": "r"},
        {
            "kind": "preference",
            "messages": SINGLE[:1],
            "chosen": "c",
            "rejected": "r",
            "system": "s",
            "tools": TOOLS,
        },
    ],
    "kto": [
        {"kind": "kto", "messages": SINGLE, "label": True},
        {"kind": "kto", "messages": CALL, "label": False, "tools": TOOLS},
    ],
    "pretrain": [
        {"kind": "pretrain", "text": "doc"},
        {"kind": "pretrain", "text": "doc", "meta": '{"url": "u"}'},
    ],
}


@pytest.mark.parametrize("fmt", [f.name for f in all_formats()])
def test_every_format_writes_one_schema_across_rows(fmt: str) -> None:
    """Fails before issue 18's fix: sharegpt omitted `tools` on rows without, openai wrote a list."""
    rows = [row for kind_rows in MIXED.values() for row in kind_rows]
    written, report = convert_records(frame_from_rows(rows), fmt)
    assert report.rows_written > 0, fmt
    assert schema_problems(written) == [], fmt
    for row in written:
        if isinstance(row, dict) and "tools" in row:
            assert isinstance(row["tools"], str), fmt  # LLaMA-Factory's rule: tools is a JSON string


def _lf_aligned_roles(
    row: dict, messages_key: str, role_key: str, function_tag: str, observation_tag: str
) -> list[str]:
    """LLaMA-Factory 0.9.5's converters: OpenAI tool_calls become a function turn, tool results merge into one
    observation; roles must then alternate (user|observation) / (assistant|function)."""
    roles: list[str] = []
    for message in row[messages_key]:
        role = message[role_key]
        if role == "system":
            continue
        if message.get("tool_calls"):
            role = function_tag
        if role == observation_tag and roles and roles[-1] == "observation":
            continue
        roles.append({function_tag: "function", observation_tag: "observation"}.get(role, role))
    return roles


def _assert_lf_roles(roles: list[str]) -> None:
    odd, even = ({"human", "user", "observation"}, {"gpt", "assistant", "function"})
    assert len(roles) % 2 == 0, roles
    for index, role in enumerate(roles):
        assert role in (odd if index % 2 == 0 else even), roles


def _real_mixed(tmp_path: Path) -> list[dict]:
    """Alpaca rows first (no tools), then glaive tool-calling conversations: the order that broke LLaMA-Factory."""
    demo = shared_path("llama_factory_demo")
    alpaca = json.loads((demo / "alpaca_en_demo.json").read_text(encoding="utf-8"))[:60]
    glaive = json.loads((demo / "glaive_toolcall_en_demo.json").read_text(encoding="utf-8"))[:60]
    (tmp_path / "alpaca.json").write_text(json.dumps(alpaca), encoding="utf-8")
    (tmp_path / "glaive.json").write_text(json.dumps(glaive), encoding="utf-8")
    return read_corpus([tmp_path / "alpaca.json", tmp_path / "glaive.json"]).records


def test_real_tool_rows_after_plain_rows_obey_llama_factory_and_arrow(tmp_path: Path) -> None:
    frame = _real_mixed(tmp_path)
    sharegpt, _ = convert_records(frame, "sharegpt")
    assert schema_problems(sharegpt) == []
    assert sharegpt[0]["tools"] == ""  # "" where absent (issue 18)
    assert json.loads(sharegpt[-1]["tools"])
    for row in sharegpt:
        _assert_lf_roles(_lf_aligned_roles(row, "conversations", "from", "function_call", "observation"))
    openai, _ = convert_records(frame, "openai")
    assert schema_problems(openai) == []
    assert {type(row["tools"]) for row in openai} == {str}
    for row in openai:
        _assert_lf_roles(_lf_aligned_roles(row, "messages", "role", "function_call", "tool"))


def test_real_preference_and_kto_rows_write_one_schema() -> None:
    demo = shared_path("llama_factory_demo")
    records = read_corpus([demo / "dpo_en_demo.json", demo / "kto_en_demo.json"]).records
    for fmt in ("preference_sharegpt", "preference_alpaca", "kto"):
        rows, report = convert_records(records, fmt)
        assert report.rows_written > 0, fmt
        assert schema_problems(rows) == [], fmt
    kto, _ = convert_records(records, "kto")
    assert {type(row["label"]) for row in kto} == {bool}
