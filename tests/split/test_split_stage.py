"""The split stage and section: kept rows only, strata columns, pinning from a previous run, stats."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from winnow.curation.errors import StageError
from winnow.curation.ledger import record_failures
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems
from winnow.curation.split.section import SplitConfig, parse_split
from winnow.curation.split.stage import split_stage
from winnow.curation.stages import StageContext


def _frame(n: int = 200) -> pl.DataFrame:
    rows = [
        {
            "id": f"id-{i}",
            "source": "a.json" if i % 2 else "b.json",
            "kind": "sft",
            "task": "code" if i % 4 else "math",
            "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}],
        }
        for i in range(n)
    ]
    frame = frame_from_rows(rows).with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0)
        .then(pl.lit("en"))
        .otherwise(pl.lit("zh"))
        .alias("lang.instruction")
    )
    return record_failures(frame, [("too_short", pl.col("id").is_in(["id-0", "id-1"]))])


def _config(raw: dict) -> SplitConfig:
    problems = Problems("rules.yaml")
    config = parse_split(raw, "split", problems)
    assert problems.items == []
    return config


def test_stage_splits_kept_rows_and_reports_composition() -> None:
    ctx = StageContext()
    config = _config(
        {"fractions": {"train": 0.5, "val": 0.25, "test": 0.25}, "stratify": ["task", "language"]}
    )
    out = split_stage(_frame(), {"split": config}, ctx)
    assert out.height == 200
    assert out.filter(pl.col("drop_reason").is_not_null())["split"].to_list() == [None, None]
    stats = ctx.stats["split"]
    assert stats["rows"] == {"train": 98, "val": 51, "test": 49}
    # each task is cut exactly (code 149 rows, math 49), languages interleaved inside it
    assert stats["by_task"] == {
        "train": {"code": 74, "math": 24},
        "val": {"code": 38, "math": 13},
        "test": {"code": 37, "math": 12},
    }
    assert stats["stratified_by"] == ["task", "lang.instruction"]
    assert sum(stats["by_task"]["train"].values()) == 98
    assert set(stats["by_language"]["val"]) == {"en", "zh"}
    assert stats["task_shares"]["code"]["rows"] == 149
    assert stats["max_task_deviation_pp"] < 1.0


def test_stage_without_section_or_language_column() -> None:
    frame = _frame()
    assert split_stage(frame, {}, StageContext()) is frame
    ctx = StageContext()
    split_stage(frame.drop("lang.instruction"), {"split": _config({"stratify": ["language"]})}, ctx)
    assert ctx.stats["split"]["notes"] == [
        "not stratified by language: no column 'lang.instruction' (its stage did not run)"
    ]


def test_previous_run_pins_rows(tmp_path: Path) -> None:
    config = _config({"fractions": {"train": 0.8, "val": 0.1, "test": 0.1}})
    first = split_stage(_frame(100), {"split": config}, StageContext())
    first.write_parquet(tmp_path / "rows.parquet")
    pinned = _config({"fractions": {"train": 0.8, "val": 0.1, "test": 0.1}, "previous": "run"})
    again = split_stage(_frame(300), {"split": pinned}, ctx := StageContext(run_dir=tmp_path))
    joined = first.join(again, on="id", suffix="_again").filter(pl.col("split").is_not_null())
    assert (joined["split"] == joined["split_again"]).all()
    assert ctx.stats["split"]["notes"] == [f"98 rows pinned to their split in {tmp_path / 'rows.parquet'}"]
    missing = _config({"previous": str(tmp_path / "nope.parquet")})
    with pytest.raises(StageError, match="does not exist"):
        split_stage(_frame(10), {"split": missing}, StageContext())


def test_section_problems() -> None:
    problems = Problems("rules.yaml")
    parse_split(
        {
            "fractions": {"train": 0.8, "val": 0.1, "tset": 0.1},
            "stratify": ["task", "lang"],
            "method": "exakt",
        },
        "split",
        problems,
    )
    assert [p.split(":")[0] for p in problems.items] == [
        "split.fractions.tset",
        "split.fractions",
        "split.stratify[1]",
        "split.method",
    ]
    assert 'did you mean "test"' in problems.items[0]
    assert "must sum to 1, got 0.9" in problems.items[1]
    assert 'did you mean "exact"' in problems.items[3]
    assert parse_split(None, "split", Problems("x")) == SplitConfig()
