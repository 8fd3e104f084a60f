"""Real rows of ../shared/data found by file and line (as bench/labels name them), for the context tests."""

from __future__ import annotations

import functools

import polars as pl

from tests.conftest import shared_path
from winnow.curation.checks.engine import build_rule
from winnow.curation.checks.section import RuleConfig
from winnow.curation.io.read import read_corpus


@functools.cache
def _source(name: str) -> pl.DataFrame:
    return read_corpus([shared_path(*name.split("/"))]).records


def real_row(source: str, line: int) -> pl.DataFrame:
    """The one row at `line` of `source` (JSONL: from 1; a JSON array: the item index from 0)."""
    row = _source(source).filter(pl.col("line") == line)
    assert row.height == 1, f"{source}:{line} not found"
    return row


def fails(check: str, frame: pl.DataFrame, field: str | None = "response") -> list[bool]:
    """A rule of `check` over `frame`, as the engine builds it (null = pass)."""
    built = build_rule(RuleConfig(name=check, check=check, field=field, params={}))
    return frame.select(built.fails.fill_null(False)).to_series().to_list()


def metric(check: str, frame: pl.DataFrame) -> list[float]:
    built = build_rule(RuleConfig(name=check, check=check, field="response", params={"max_count": 0}))
    assert built.metric is not None
    return frame.select(built.metric).to_series().to_list()


def sft_row(instruction: str, reply: str, input_text: str | None = None) -> dict[str, object]:
    """One inline SFT row (a user turn, the reply, an optional input), for frame_from_rows."""
    messages = [{"role": "user", "content": instruction}, {"role": "assistant", "content": reply}]
    return {"id": instruction[:12], "kind": "sft", "messages": messages, "input": input_text}
