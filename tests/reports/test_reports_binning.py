"""reports.binning over the sorted values (Measured): the same histogram whether handed the column or its
Measured, bins cut as Polars' `(v - lo) / width` cut them before, infinities and NaNs counted apart."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from winnow.reports.binning import Measured, histogram, nearby_thresholds, unmeasured_note


def _polars_bins(values: pl.Series, lo: float, width: float, bins: int) -> list[int]:
    """The binning before Measured: Polars' floor of (v - lo) / width, clipped, counted."""
    index = ((values - lo) / width).floor().clip(0, bins - 1).cast(pl.Int64)
    counts = [0] * bins
    for i, n in index.value_counts().iter_rows():
        counts[i] = n
    return counts


def test_measured_sorts_once_and_keeps_the_row_count() -> None:
    measured = Measured.of(pl.Series([3.0, None, float("nan"), -math.inf, 1.0, math.inf]))
    assert measured.values.tolist() == [-math.inf, 1.0, 3.0, math.inf]
    assert measured.rows == 6
    assert measured.finite.tolist() == [1.0, 3.0]
    assert (measured.below(3.0), measured.above(1.0)) == (2, 2)
    assert Measured.of(measured) is measured


def test_histogram_of_a_column_or_its_measured_is_the_same() -> None:
    values = pl.Series([0.1, 0.15, 0.15, 0.3, 0.31, None, float("nan"), math.inf, 0.0] * 7)
    by_column = histogram(values, threshold=0.3)
    by_measured = histogram(Measured.of(values), threshold=0.3)
    assert by_column == by_measured
    assert by_column.nulls == 14  # 7 nulls and 7 NaNs
    assert sum(by_column.counts) == 7 * 6  # the finite values; +inf is left out
    assert by_column.counts[0] == 7  # the zeros


def test_a_value_on_a_bin_edge_lands_where_polars_put_it() -> None:
    # 0.15 / 0.0125 is 11.999999999999998 as a true division; Polars multiplied by the reciprocal (12.0)
    values = np.array([0.0, 0.15, 0.15, 0.3, 0.49])
    width = 0.5 / 40
    hist = histogram(pl.Series(values), threshold=0.5)
    assert hist.edges[0] == 0.0
    assert math.isclose(hist.edges[1] - hist.edges[0], width)
    assert hist.counts[12] == 2
    assert hist.counts[11] == 0
    assert hist.counts == _polars_bins(pl.Series(values), 0.0, width, 40)


def test_bins_equal_polars_on_random_columns() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        values = pl.Series(np.round(rng.random(500) * rng.integers(1, 50), rng.integers(1, 4)))
        hist = histogram(values, threshold=float(rng.random()))
        if not hist.discrete:
            assert hist.counts == _polars_bins(
                values, hist.edges[0], (hist.edges[-1] - hist.edges[0]) / 40, 40
            )


def test_whole_number_metrics_get_one_bar_per_count() -> None:
    hist = histogram(pl.Series([0.0] * 90 + [4.0] * 6 + [10.0] * 4), threshold=0.0)
    assert hist.discrete
    assert hist.counts == [90, 0, 0, 0, 6, 0, 0, 0, 0, 0, 4]


def test_nearby_and_note_from_one_measured() -> None:
    values = pl.Series([None] * 90 + [float(v) for v in range(10)])
    measured = Measured.of(values)
    assert [(n.label, n.fails) for n in nearby_thresholds(measured, 8.0, "max")] == [
        (n.label, n.fails) for n in nearby_thresholds(values, 8.0, "max")
    ]
    assert unmeasured_note(measured, "max") == unmeasured_note(values, "max")
    assert unmeasured_note(measured, "max").startswith("Percentiles are over all 100 rows; p50, p75, p90")
