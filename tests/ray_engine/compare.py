"""Two run folders equal by content: rows, kept, dropped, quarantine, clusters, splits and stats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from winnow.curation.ray_engine.stats import WORK_COUNTERS

# stats.json entries that name the run or the machine's work, not the corpus: the run id and digests are new
# every run, timings differ, the engine is named, work counters depend on how rows fall into blocks, and
# dedup's memo counters (pairs measured, signatures reused) depend on what the cache held: a run whose dedup
# came from the stage cache has none
NOT_CONTENT = ("run", "timings", "engine", "memo", *WORK_COUNTERS)


def content_stats(stats: Any) -> Any:
    if isinstance(stats, dict):
        return {k: content_stats(v) for k, v in stats.items() if k not in NOT_CONTENT}
    if isinstance(stats, list):
        return [content_stats(v) for v in stats]
    return stats


def assert_same_run(local: Path, other: Path) -> None:
    for name in ("rows.parquet", "kept.parquet", "dropped.parquet"):
        a = pl.read_parquet(local / name)
        b = pl.read_parquet(other / name)
        assert a.columns == b.columns, name
        assert_frame_equal(a, b, check_exact=True)
    assert (local / "quarantine.jsonl").read_text(encoding="utf-8") == (other / "quarantine.jsonl").read_text(
        encoding="utf-8"
    )
    stats = [json.loads((folder / "stats.json").read_text(encoding="utf-8")) for folder in (local, other)]
    assert content_stats(stats[0]) == content_stats(stats[1])
