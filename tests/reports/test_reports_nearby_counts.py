"""The what-if table's fail counts (binary searches over the sorted measured values) equal would_fail's pass
over every row, ties at the threshold, nulls and NaN included (issue 24: the report sorts once per rule)."""

from __future__ import annotations

import polars as pl
import pytest

from winnow.reports.binning import nearby_thresholds, would_fail

VALUES = pl.Series([0.0, 0.1, 0.1, 0.2, None, float("nan"), 0.5, 0.5, 0.5, 1.0, 3.0, None, 0.2])


@pytest.mark.parametrize("direction", ["max", "min"])
@pytest.mark.parametrize("threshold", [0.0, 0.1, 0.2, 0.5, 1.0])
def test_nearby_counts_equal_a_pass_over_every_row(threshold: float, direction: str) -> None:
    rows = nearby_thresholds(VALUES, threshold, direction)
    assert rows
    for row in rows:
        assert row.fails == would_fail(VALUES, row.threshold, direction), row
