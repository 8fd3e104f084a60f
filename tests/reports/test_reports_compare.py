"""Comparison with the previous run: snapshot_previous keeps the last run; the report counts changes per rule."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from reports_runfolder import build_run, ints, sft

from winnow.reports import snapshot_previous, write_run_report

ROWS = [sft(f"r{i}", "instruction " * (i + 1), "y" * (i * 3), line=i) for i in range(10)]
# response lengths 0,3,6,…,27; instruction lengths 12,24,…,120


def test_snapshot_of_an_empty_folder_is_none(tmp_path: Path) -> None:
    assert snapshot_previous(tmp_path) is None


def test_rerun_with_changed_thresholds_reports_newly_dropped_and_restored(tmp_path: Path) -> None:
    run = tmp_path / "run"
    build_run(run, ROWS, rules=[("short", "response", 10.0, "min"), ("long", "instruction", 100.0, "max")])
    first = ints(write_run_report(run).read_text(encoding="utf-8"))
    assert "compare.kept_now" not in first  # first run: nothing to compare with
    assert snapshot_previous(run) == run / "previous"
    # stricter "short" (now 15 chars): r4 (12 chars) newly dropped; looser "long" (now 110): r8 restored
    build_run(run, ROWS, rules=[("short", "response", 15.0, "min"), ("long", "instruction", 110.0, "max")])
    cells = ints(write_run_report(run).read_text(encoding="utf-8"))
    assert cells["compare.short.newly_dropped"] == 1
    assert cells["compare.short.restored"] == 0
    assert cells["compare.long.newly_dropped"] == 0
    assert cells["compare.long.restored"] == 1
    assert cells["compare.kept_before"] == 4  # r4..r7 (r8 at 108 and r9 at 120 chars were too long)
    assert cells["compare.kept_now"] == 4  # r5..r8 (r4 now too short, r8 restored)
    assert cells["compare.only_now"] == 0


def test_compare_with_another_folder(tmp_path: Path) -> None:
    old = build_run(tmp_path / "old", ROWS, rules=[("short", "response", 1.0, "min")])
    new = build_run(tmp_path / "new", ROWS, rules=[("short", "response", 7.0, "min")])
    cells = ints(write_run_report(new, compare=old).read_text(encoding="utf-8"))
    assert cells["compare.short.newly_dropped"] == 2  # r1 (3 chars), r2 (6 chars)
    assert cells["compare.short.restored"] == 0


def test_second_snapshot_replaces_the_first(tmp_path: Path) -> None:
    run = build_run(tmp_path / "run", ROWS[:3])
    snapshot_previous(run)
    build_run(run, ROWS)
    snapshot_previous(run)
    assert (run / "previous" / "rows.parquet").exists()
    assert not [p for p in run.iterdir() if p.name.startswith(".previous")]
    assert pl.read_parquet(run / "previous" / "rows.parquet").height == 10


def test_compare_with_a_run_of_other_rows_in_another_order(tmp_path: Path) -> None:
    # the rows are matched by id, not by position: six of the ten rows, in reverse order, ran before
    old = build_run(tmp_path / "old", ROWS[:6][::-1], rules=[("short", "response", 1.0, "min")])
    new = build_run(tmp_path / "new", ROWS, rules=[("short", "response", 7.0, "min")])
    cells = ints(write_run_report(new, compare=old).read_text(encoding="utf-8"))
    assert cells["compare.short.newly_dropped"] == 2  # r1, r2
    assert cells["compare.short.restored"] == 0
    assert (cells["compare.only_now"], cells["compare.only_before"]) == (4, 0)  # r6..r9
    assert (cells["compare.kept_before"], cells["compare.kept_now"]) == (5, 7)
