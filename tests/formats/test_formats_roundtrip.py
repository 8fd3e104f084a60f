"""Round trips: a canonical record a format can hold, written in that format and read back, is the same record.

Records are generated with hypothesis per format (only what the format can hold); the read goes through the
real reader (files, detection forced to the format, JSONL fast path where it applies).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from winnow.curation.io.read import read_corpus
from winnow.curation.io.write import write_records
from winnow.curation.record import CONTENT_COLUMNS, frame_from_rows

CONTENT = list(CONTENT_COLUMNS)

text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40).filter(lambda s: s.strip())
hh_text = text.filter(lambda s: "\n\nHuman:" not in s and "\n\nAssistant:" not in s)
maybe = st.none() | text
# one JSON type per key across rows: a written file has one schema (winnow.curation.formats.schema); a key whose
# type varies is written as JSON text, tested in test_formats_schema
meta = st.none() | st.fixed_dictionaries(
    {}, optional={"source_id": st.integers(0, 9), "quality": text, "notes_x": text}
).filter(bool).map(lambda d: json.dumps(d, ensure_ascii=False))


def turns(pairs: list[tuple[str, str]], final_user: str | None = None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for user, assistant in pairs:
        out += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    if final_user is not None:
        out.append({"role": "user", "content": final_user})
    return out


pair = st.tuples(text, text)
tool_call = st.builds(
    lambda name, arg: json.dumps({"name": name, "arguments": {"q": arg}}, ensure_ascii=False), text, text
)


@st.composite
def tool_conversation(draw: Any, content: Any = text) -> list[dict[str, str]]:
    """user, [tool_call, tool]?, assistant — repeated."""
    out: list[dict[str, str]] = []
    for _ in range(draw(st.integers(1, 3))):
        out.append({"role": "user", "content": draw(text)})
        if draw(st.booleans()):
            out.append({"role": "tool_call", "content": draw(content)})
            out.append({"role": "tool", "content": draw(text)})
        out.append({"role": "assistant", "content": draw(text)})
    return out


tools = st.none() | st.just('[{"name": "search", "parameters": {}}]')

STRATEGIES: dict[str, Any] = {
    "alpaca": st.fixed_dictionaries(
        {
            "kind": st.just("sft"),
            "messages": st.lists(pair, min_size=1, max_size=3).map(turns),
            "system": maybe,
            "input": maybe,
            "meta": meta,
        }
    ),
    "dolly": st.fixed_dictionaries(
        {
            "kind": st.just("sft"),
            "messages": pair.map(lambda p: turns([p])),
            "input": maybe,
            "task": maybe,
            "meta": meta,
        }
    ),
    "instruction_response": st.fixed_dictionaries(
        {
            "kind": st.just("sft"),
            "messages": pair.map(lambda p: turns([p])),
            "input": maybe,
            "system": maybe,
            "meta": meta,
        }
    ),
    "self_instruct": st.fixed_dictionaries(
        {
            "kind": st.just("sft"),
            "messages": pair.map(lambda p: turns([p])),
            "input": maybe,
            "task": maybe,
            "meta": meta,
        }
    ),
    "input_target": st.fixed_dictionaries(
        {"kind": st.just("sft"), "messages": pair.map(lambda p: turns([p])), "meta": meta}
    ),
    "preference_alpaca": st.fixed_dictionaries(
        {
            "kind": st.just("preference"),
            "messages": st.tuples(st.lists(pair, max_size=2), text).map(lambda t: turns(t[0], t[1])),
            "chosen": text,
            "rejected": text,
            "system": maybe,
            "input": maybe,
            "meta": meta,
        }
    ),
    "openai": st.fixed_dictionaries(
        {
            "kind": st.just("sft"),
            "messages": tool_conversation(tool_call),
            "system": maybe,
            "tools": tools,
            "meta": meta,
        }
    ),
    "messages": st.fixed_dictionaries(
        {"kind": st.just("sft"), "messages": tool_conversation(tool_call), "system": maybe}
    ),
    "sharegpt": st.fixed_dictionaries(
        {
            "kind": st.just("sft"),
            "messages": tool_conversation(),
            "system": maybe,
            "tools": tools,
            "meta": meta,
        }
    ),
    "llamafactory_v1": st.fixed_dictionaries(
        {
            "kind": st.just("sft"),
            "messages": st.lists(pair, min_size=1, max_size=3).map(turns),
            "system": maybe,
            "meta": meta,
        }
    ),
    "preference_sharegpt": st.fixed_dictionaries(
        {
            "kind": st.just("preference"),
            "messages": st.tuples(st.lists(pair, max_size=2), text).map(lambda t: turns(t[0], t[1])),
            "chosen": text,
            "rejected": text,
            "system": maybe,
            "tools": tools,
            "meta": meta,
        }
    ),
    "kto": st.fixed_dictionaries(
        {
            "kind": st.just("kto"),
            "messages": tool_conversation(tool_call),
            "label": st.booleans(),
            "system": maybe,
            "tools": tools,
            "meta": meta,
        }
    ),
    "pretrain": st.fixed_dictionaries({"kind": st.just("pretrain"), "text": text, "meta": meta}),
    "hh": st.fixed_dictionaries(
        {
            "kind": st.just("preference"),
            "messages": st.tuples(st.lists(st.tuples(hh_text, hh_text), max_size=2), hh_text).map(
                lambda t: turns(t[0], t[1])
            ),
            "chosen": hh_text,
            "rejected": hh_text,
            "meta": meta,
        }
    ),
}


def roundtrip(rows: list[dict[str, Any]], fmt: str, file_format: str) -> None:
    frame = frame_from_rows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"out.{file_format}"
        report = write_records(frame, path, format=fmt, file_format=file_format)
        assert report.dropped == {}
        assert report.lost_fields == {}
        assert report.rows_written == len(rows)
        back = read_corpus([path], format=fmt)
    assert back.quarantine.height == 0, back.quarantine.rows()
    assert back.rows_read == len(rows)
    assert_frame_equal(back.records.select(CONTENT), frame.select(CONTENT))


@pytest.mark.parametrize("fmt", sorted(STRATEGIES))
def test_every_format_round_trips_what_it_can_hold(fmt: str) -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(STRATEGIES[fmt], min_size=1, max_size=4), st.sampled_from(["jsonl", "json"]))
    def check(rows: list[dict[str, Any]], file_format: str) -> None:
        roundtrip(rows, fmt, file_format)

    check()


def test_round_trip_keeps_row_order_and_duplicates() -> None:
    row = {"kind": "sft", "messages": turns([("q", "a")])}
    roundtrip([row, row, {"kind": "sft", "messages": turns([("q2", "a2")])}], "alpaca", "jsonl")


def test_detection_reads_written_files_back_as_their_format(tmp_path: Path) -> None:
    frame = frame_from_rows([{"kind": "sft", "messages": turns([("q", "a")]), "input": "ctx"}])
    for fmt in (
        "alpaca",
        "dolly",
        "instruction_response",
        "self_instruct",
        "input_target",
        "openai",
        "sharegpt",
        "messages",
        "llamafactory_v1",
    ):
        path = tmp_path / f"{fmt}.jsonl"
        write_records(frame, path, format=fmt)
        back = read_corpus([path])
        assert back.formats == {str(path): {fmt: 1}}, fmt
        assert back.records["messages"][0][0]["content"].startswith("q")
