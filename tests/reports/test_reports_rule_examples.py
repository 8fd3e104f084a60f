"""The rows a rule's details show: ids by reason and by flag grouped once, in row order; the border rows by
(distance, id) without sorting every row."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl

from winnow.reports.run_data import RunData
from winnow.reports.views.rule_detail import _nearest_ids


def _run(frame: pl.DataFrame) -> RunData:
    return RunData(run_dir=Path("."), stats={}, frame=frame, rows_path=Path("rows.parquet"))


def test_ids_by_reason_and_by_flag_in_row_order() -> None:
    run = _run(
        pl.DataFrame(
            {
                "id": ["a", "b", "c", "d", "e"],
                "drop_reason": ["x", None, "y", "x", None],
                "flagged_rules": [["f"], ["f", "g", "f"], [], ["g"], ["g"]],
            }
        )
    )
    assert run.dropped_by("x")["id"].to_list() == ["a", "d"]
    assert run.dropped_by("y")["id"].to_list() == ["c"]
    assert run.dropped_by("none").height == 0
    # kept rows only (a, d are dropped), each row once however often its list names the rule
    assert run.flagged_by("f")["id"].to_list() == ["b"]
    assert run.flagged_by("g")["id"].to_list() == ["b", "e"]
    assert run.flagged_by("h").height == 0


def _full_sort(rows: pl.DataFrame, k: int) -> list[str]:
    return rows.sort(["__distance", "id"]).head(k)["id"].to_list()


def test_nearest_ids_cut_ties_by_the_smallest_ids() -> None:
    rows = pl.DataFrame({"id": [f"r{i:03d}" for i in range(200)][::-1], "__distance": [0.0] * 200})
    assert _nearest_ids(rows, 3) == ["r000", "r001", "r002"]
    mixed = pl.DataFrame({"id": ["z", "b", "a", "c", "d"], "__distance": [0.1, 0.2, 0.2, 0.05, 0.2]})
    assert _nearest_ids(mixed, 3) == ["c", "z", "a"]
    assert _nearest_ids(mixed.head(2), 3) == ["z", "b"]


def test_nearest_ids_equal_a_sort_of_every_row() -> None:
    rng = random.Random(3)
    for _ in range(50):
        n = rng.randint(0, 60)
        rows = pl.DataFrame(
            {
                "id": [f"id{rng.randint(0, 999)}-{i}" for i in range(n)],
                "__distance": [float(rng.choice([0, 0, 0.5, 1, rng.random()])) for _ in range(n)],
            },
            schema={"id": pl.String, "__distance": pl.Float64},
        )
        assert _nearest_ids(rows, 3) == _full_sort(rows, 3)


def test_nan_distances_fall_back_to_the_sort() -> None:
    rows = pl.DataFrame({"id": ["a", "b", "c", "d"], "__distance": [float("nan")] * 3 + [0.5]})
    assert _nearest_ids(rows, 3) == _full_sort(rows, 3)
