"""The split stage's cache entries (winnow.curation.split.cache): a re-run reads back the whole split when
nothing it reads changed, and the units (prompts, unit keys, positions) when only the split settings did; the
output always equals an uncached run's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from winnow.curation.ledger import record_failures
from winnow.curation.record import frame_from_rows
from winnow.curation.split.cache import UNITS, WHOLE
from winnow.curation.split.section import SplitConfig
from winnow.curation.split.stage import split_stage
from winnow.curation.stage_cache import FOLDER
from winnow.curation.stages import StageContext

CONFIG = SplitConfig(fractions=(0.6, 0.2, 0.2), stratify=("task", "language"))


def _frame(dropped: tuple[str, ...] = ("id-0", "id-7")) -> pl.DataFrame:
    """240 rows over 90 prompts (several answers each), some in near-duplicate clusters, two tasks, two
    languages; the rows named in `dropped` are dropped."""
    rows = [
        {
            "id": f"id-{i}",
            "source": "a.json" if i % 2 else "b.json",
            "kind": "sft",
            "task": "code" if i % 3 else "math",
            "messages": [
                {"role": "user", "content": f"Question  {i % 90}"},
                {"role": "assistant", "content": f"answer {i}"},
            ],
        }
        for i in range(240)
    ]
    frame = frame_from_rows(rows).with_columns(
        pl.when(pl.int_range(pl.len()) % 4 == 0)
        .then(pl.lit("en"))
        .otherwise(pl.lit("zh"))
        .alias("lang.instruction"),
        pl.when(pl.int_range(pl.len()) % 11 == 0).then(pl.lit("c1")).otherwise(None).alias("dup_cluster"),
    )
    return record_failures(frame, [("short", pl.col("id").is_in(list(dropped)))])


def _split(
    frame: pl.DataFrame, config: SplitConfig, cache: Path | None
) -> tuple[pl.DataFrame, dict[str, Any]]:
    ctx = StageContext(cache_dir=cache)
    out = split_stage(frame, {"split": config}, ctx)
    return out, json.loads(json.dumps(ctx.stats["split"]))  # as stats.json holds it


def _entries(cache: Path, stage: str) -> list[Path]:
    folder = cache / FOLDER / stage
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def test_a_rerun_reads_the_whole_split_back(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    uncached, uncached_stats = _split(_frame(), CONFIG, None)
    cold, cold_stats = _split(_frame(), CONFIG, cache)
    assert_frame_equal(cold, uncached)
    assert cold_stats == uncached_stats
    assert cold_stats["rows"] == {"train": 154, "val": 37, "test": 47}  # as before the cache (6ef9263)
    assert cold_stats["prompts_split_across"] == 0
    [entry] = _entries(cache, WHOLE)
    assert len(_entries(cache, UNITS)) == 1
    again, again_stats = _split(_frame(), CONFIG, cache)
    assert_frame_equal(again, cold)
    assert again_stats == cold_stats
    # it is the entry that answers: an entry edited on disk comes back as edited
    edited = pl.read_parquet(entry / "columns.parquet").with_columns(pl.lit("test").alias("split"))
    edited.write_parquet(entry / "columns.parquet")
    assert _split(_frame(), CONFIG, cache)[0]["split"].unique().to_list() == ["test"]


def test_other_fractions_reuse_the_units(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _split(_frame(), CONFIG, cache)
    other = SplitConfig(fractions=(0.8, 0.1, 0.1), stratify=("task",), method="hash")
    uncached, uncached_stats = _split(_frame(), other, None)
    rerun, rerun_stats = _split(_frame(), other, cache)
    assert_frame_equal(rerun, uncached)
    assert rerun_stats == uncached_stats
    assert (len(_entries(cache, WHOLE)), len(_entries(cache, UNITS))) == (2, 1)
    # the units entry answers: every kept row made one unit on disk lands in one split
    [units] = _entries(cache, UNITS)
    one_unit = pl.read_parquet(units / "columns.parquet").with_columns(
        pl.lit("row:one").alias("__unit"), pl.lit(0, pl.UInt32).alias("__unit_rank")
    )
    one_unit.write_parquet(units / "columns.parquet")
    third = SplitConfig(fractions=(0.5, 0.25, 0.25), stratify=("task",))
    split = _split(_frame(), third, cache)[0]
    assert split.filter(pl.col("drop_reason").is_null())["split"].n_unique() == 1


def test_a_change_of_kept_rows_or_seed_splits_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _split(_frame(), CONFIG, cache)
    fewer = _frame(dropped=("id-0", "id-7", "id-8"))
    assert_frame_equal(_split(fewer, CONFIG, cache)[0], _split(fewer, CONFIG, None)[0])
    seeded = SplitConfig(fractions=(0.6, 0.2, 0.2), stratify=("task", "language"), seed=5)
    assert_frame_equal(_split(_frame(), seeded, cache)[0], _split(_frame(), seeded, None)[0])
    assert (len(_entries(cache, WHOLE)), len(_entries(cache, UNITS))) == (3, 3)


def test_a_pinned_split_is_never_read_back_whole(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, _ = _split(_frame(), CONFIG, cache)
    previous = tmp_path / "previous.parquet"
    first.select("id", "split").head(100).write_parquet(previous)  # 2 of them dropped: no split
    pinned = SplitConfig(fractions=(0.6, 0.2, 0.2), stratify=("task", "language"), previous=str(previous))
    out, stats = _split(_frame(), pinned, cache)
    assert_frame_equal(out, _split(_frame(), pinned, None)[0])
    assert stats["notes"] == [f"98 rows pinned to their split in {previous}"]
    assert (len(_entries(cache, WHOLE)), len(_entries(cache, UNITS))) == (1, 1)
