"""stats.json timings list the stages that ran: a stage whose rule-file section is absent is off, not 0 s."""

from __future__ import annotations

import polars as pl

from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import parse_rules
from winnow.curation.run_curate import curate_frame


def _frame() -> pl.DataFrame:
    rows = [
        {
            "id": str(i),
            "kind": "sft",
            "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
        }
        for i, (q, a) in enumerate([("Name a colour.", "Blue."), ("Name a colour.", "Blue."), ("Hi", "")])
    ]
    return frame_from_rows(rows)


def test_only_stages_that_ran_are_timed() -> None:
    checks = {"checks": [{"check": "min_length", "name": "empty", "field": "response"}]}
    result = curate_frame(_frame(), parse_rules(checks))
    assert list(result.stats["timings"]) == ["checks"]
    assert result.stats["by_reason"] == {"empty": 1}

    with_dedup = curate_frame(_frame(), parse_rules({**checks, "dedup": {}}))
    assert list(with_dedup.stats["timings"]) == ["checks", "dedup"]
    assert with_dedup.stats["by_reason"] == {"empty": 1, "exact_duplicate": 1}


def test_a_run_with_no_sections_times_nothing() -> None:
    result = curate_frame(_frame(), parse_rules({}))
    assert result.stats["timings"] == {}
    assert result.stats["kept"] == 3
