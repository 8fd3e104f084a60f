"""`--for trl`: the openai export as TRL's SFTTrainer reads it (null `tools` where a row has none)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from winnow.curation.errors import UsageError
from winnow.curation.export.consumers import for_consumer
from winnow.curation.export.run import export_run
from winnow.curation.ledger import with_ledger
from winnow.curation.record import frame_from_rows

TOOLS = '[{"name": "weather", "parameters": {"type": "object"}}]'
ROWS = [
    {
        "id": "plain",
        "kind": "sft",
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}],
    },
    {
        "id": "tooled",
        "kind": "sft",
        "tools": TOOLS,
        "messages": [
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "tool_call", "content": '{"name": "weather", "arguments": {"city": "Oslo"}}'},
            {"role": "tool", "content": '{"temp": 3}'},
            {"role": "assistant", "content": "3 degrees."},
        ],
    },
]


def _run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    with_ledger(frame_from_rows(ROWS).with_columns(pl.lit("train").alias("split"))).write_parquet(
        run / "kept.parquet"
    )
    return run


CALL = {"id": "call_0", "type": "function", "function": {"name": "weather", "arguments": "{}"}}


def _rows() -> list[dict]:
    calling = [{"role": "assistant", "content": None, "tool_calls": [CALL]}]
    return [{"messages": [], "tools": ""}, {"messages": calling, "tools": TOOLS}]


def test_for_consumer_shapes_tools_and_tool_calls_for_trl_only() -> None:
    same, changed = for_consumer(_rows(), "llamafactory")
    assert (same, changed) == (_rows(), 0)
    trl, changed = for_consumer(_rows(), "trl")
    calling = [{"role": "assistant", "content": "", "tool_calls": [CALL]}]
    assert (trl, changed) == ([{"messages": [], "tools": None}, {"messages": calling, "tools": TOOLS}], 2)


@pytest.mark.parametrize(
    ("consumer", "plain_tools", "registry"), [("llamafactory", "", True), ("trl", None, False)]
)
def test_openai_export_shapes_tools_for_its_consumer(
    tmp_path: Path, consumer: str, plain_tools: str | None, registry: bool
) -> None:
    out = tmp_path / "out"
    result = export_run(_run(tmp_path), out, format="openai", consumer=consumer)
    rows = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    assert [r["tools"] for r in rows] == [plain_tools, TOOLS]
    assert rows[1]["messages"][1]["content"] == ("" if consumer == "trl" else None)
    assert (out / "dataset_info.json").is_file() is registry
    assert result.problems == []  # read back: the same rows either way
    assert json.loads((out / "export.json").read_text())["consumer"] == consumer


def test_an_unknown_consumer_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown consumer 'axolotl'"):
        export_run(_run(tmp_path), tmp_path / "out", format="openai", consumer="axolotl")
