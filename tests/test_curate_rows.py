"""curate_rows: the one row-local function (mappers, checks, language) both engines run, quarantine rows kept."""

from __future__ import annotations

import polars as pl

from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import parse_rules
from winnow.curation.run_curate import QUARANTINE_ERROR, QUARANTINE_SNIPPET, curate_rows, run_stages
from winnow.curation.stages import ROW_LOCAL_STAGES, StageContext

RULES = parse_rules(
    {"mappers": ["strip"], "checks": [{"check": "min_length", "name": "empty", "field": "response"}]}
)


def _rows(replies: list[str]) -> pl.DataFrame:
    return frame_from_rows(
        [
            {
                "id": str(i),
                "source": "a.jsonl",
                "line": i + 1,
                "kind": "sft",
                "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": r}],
            }
            for i, r in enumerate(replies)
        ]
    )


def test_quarantine_rows_come_back_in_their_place_with_their_error() -> None:
    records = _rows(["ok ", "  ", "fine"])
    unread = pl.DataFrame(
        {"source": ["a.jsonl"], "line": [2], QUARANTINE_ERROR: ["bad JSON"], QUARANTINE_SNIPPET: ["{x"]}
    )
    batch = pl.concat([records.head(1), unread, records.tail(2)], how="diagonal_relaxed").with_columns(
        pl.col("line").cast(pl.Int64)
    )
    out, timings = curate_rows(batch, RULES, StageContext())
    assert out.height == 4
    assert out[QUARANTINE_ERROR].to_list() == [None, "bad JSON", None, None]
    assert out[QUARANTINE_SNIPPET].to_list() == [None, "{x", None, None]
    assert out["id"].to_list() == ["0", None, "1", "2"]
    assert out["drop_reason"].to_list() == [None, None, "empty", None]
    assert out["messages"][0][1]["content"] == "ok"  # the mapper ran on the records
    assert set(timings) == {"mappers", "checks"}  # language: no section, off, so not timed


def test_without_quarantine_rows_it_is_the_row_local_stages() -> None:
    ctx_a, ctx_b = StageContext(), StageContext()
    out, _ = curate_rows(_rows(["ok", ""]), RULES, ctx_a)
    expected, _ = run_stages(_rows(["ok", ""]), RULES, ctx_b, ROW_LOCAL_STAGES)
    assert out.equals(expected)
    assert ctx_a.stats["checks"]["rules"][0]["failed"] == 1
