"""Statistics on metric columns: binned histograms and "what if the threshold moved" counts.

The what-if table's percentiles are over every row, the rows without a value (not measured, so passing)
ranked on the passing side; whole-number metrics (counts) are binned by whole numbers.

Histograms are binned in Polars (a fixed number of bins whatever the row count), so a report for a
million rows is as small as one for a thousand. The range is the 0.5th-99.5th percentile widened to include
the threshold, so one outlier does not squash every other bar; values outside are folded into the end bins
and counted separately so nothing is lost silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from winnow.reports.charts import Histogram

BINS = 40
NEARBY_FACTORS = (0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 2.0)
NEARBY_QUANTILES = (0.5, 0.75, 0.9, 0.95, 0.99)


def histogram(values: pl.Series, *, threshold: float | None = None, bins: int = BINS) -> Histogram:
    """Bin the non-null, finite values of `values` into `bins` equal-width bins."""
    values = values.cast(pl.Float64)
    nulls = values.null_count() + int(values.is_nan().sum() or 0)
    finite = values.drop_nulls().drop_nans()
    finite = finite.filter(finite.is_finite())
    if finite.is_empty():
        return Histogram(edges=[], counts=[], nulls=nulls)
    if _whole(finite) and (threshold is None or (math.isfinite(threshold) and float(threshold).is_integer())):
        return _count_histogram(finite, threshold, bins, nulls)
    lo = float(finite.quantile(0.005, "lower") or 0.0)
    hi = float(finite.quantile(0.995, "higher") or 0.0)
    if threshold is not None and math.isfinite(threshold):
        lo, hi = min(lo, threshold), max(hi, threshold)
    if hi <= lo:
        hi = lo + 1.0
    width = (hi - lo) / bins
    counts = _bin_counts(finite, lo, width, bins)
    edges = [lo + i * width for i in range(bins + 1)]
    return Histogram(
        edges=edges,
        counts=counts,
        nulls=nulls,
        clipped_low=int((finite < lo).sum()),
        clipped_high=int((finite > hi).sum()),
    )


def _bin_counts(values: pl.Series, lo: float, width: float, bins: int) -> list[int]:
    """Values per bin of `width` from `lo`; values outside fall into the first or the last bin."""
    index = ((values - lo) / width).floor().clip(0, bins - 1).cast(pl.Int64)
    counts = [0] * bins
    for i, n in index.value_counts().iter_rows():
        counts[i] = n
    return counts


def _whole(values: pl.Series) -> bool:
    return values.dtype.is_integer() or bool((values == values.floor()).all())


def _count_histogram(values: pl.Series, threshold: float | None, bins: int, nulls: int) -> Histogram:
    """Whole-number values (counts: mojibake markers, placeholders, characters): bins of whole numbers, one
    per value while the range holds at most `bins` values (mojibake on the built-in example: 0, 4 and 10, each
    its own bar, where a 0..1 axis drew one bar at 0), else `bins` bins of equal whole width over the
    0.5th-99.5th percentile. The range reaches one past the threshold, so its failing side always shows."""
    lo, top = float(values.min()), float(values.max())  # type: ignore[arg-type]
    if top - lo + 1 > bins:
        lo = float(values.quantile(0.005, "lower") or 0.0)
        top = float(values.quantile(0.995, "higher") or 0.0)
    if threshold is not None:
        lo, top = min(lo, threshold), max(top, threshold + 1)
    width = max(1, math.ceil((top - lo + 1) / bins))
    count = math.ceil((top - lo + 1) / width)
    counts = _bin_counts(values, lo, width, count)
    edges = [lo + i * width for i in range(count + 1)]
    return Histogram(
        edges=edges,
        counts=counts,
        nulls=nulls,
        clipped_low=int((values < lo).sum()),
        clipped_high=int((values >= edges[-1]).sum()),
        discrete=True,
    )


def would_fail(values: pl.Series, threshold: float, direction: str) -> int:
    """Rows whose metric fails at `threshold` (nulls pass, as in the ledger)."""
    values = values.cast(pl.Float64).drop_nulls().drop_nans()
    return int((values > threshold).sum() if direction == "max" else (values < threshold).sum())


@dataclass(frozen=True)
class Nearby:
    label: str
    threshold: float
    fails: int
    is_current: bool


def _measured(values: pl.Series) -> pl.Series:
    """The rows with a value, sorted: sorted once per rule for every threshold and percentile asked of it."""
    return values.cast(pl.Float64).drop_nulls().drop_nans().sort()


def _fails(measured: pl.Series, threshold: float, direction: str) -> int:
    """would_fail over `_measured` values: two binary searches instead of a pass over every row."""
    if direction == "max":
        return measured.len() - int(measured.search_sorted(threshold, side="right"))
    return int(measured.search_sorted(threshold, side="left"))


def nearby_thresholds(values: pl.Series, threshold: float, direction: str) -> list[Nearby]:
    """Fail counts at the threshold scaled by NEARBY_FACTORS, plus the metric's quantiles.

    Scaling says "what a 10% change does"; quantiles cover a threshold of 0, where scaling says nothing.
    """
    measured = _measured(values)
    rows: dict[float, Nearby] = {}
    if threshold != 0:
        for factor in NEARBY_FACTORS:
            t = threshold * factor
            label = "current" if factor == 1.0 else f"× {factor:g}"
            rows[t] = Nearby(label, t, _fails(measured, t, direction), factor == 1.0)
    else:
        rows[threshold] = Nearby("current", threshold, _fails(measured, threshold, direction), True)
    for q in NEARBY_QUANTILES:
        at = _quantile(measured, values.len(), q, direction)
        if at is not None and at not in rows:
            rows[at] = Nearby(f"p{round(q * 100)}", at, _fails(measured, at, direction), False)
    return sorted(rows.values(), key=lambda n: n.threshold)


def quantile_over_all_rows(values: pl.Series, q: float, direction: str) -> float | None:
    """The metric's q-quantile over every row (Polars' "nearest" rank), or None where it falls among the rows
    without a value.

    A row without a value was not measured (a gated kernel, a text under min_chars) and passes at any
    threshold, so it ranks on the passing side: below every value for a max rule, above for a min rule.
    Quantiles of the measured values alone were quantiles of mostly failing rows (max_char_run on the
    built-in example: 10 of 2,468 rows measured), read as if they described the corpus (issue 20).
    """
    return _quantile(_measured(values), values.len(), q, direction)


def _quantile(measured: pl.Series, total: int, q: float, direction: str) -> float | None:
    if total == 0:
        return None
    rank = round(q * (total - 1))
    unmeasured = total - measured.len()
    if direction == "min":
        return float(measured[rank]) if rank < measured.len() else None
    return float(measured[rank - unmeasured]) if rank >= unmeasured else None


def unmeasured_quantiles(values: pl.Series, direction: str) -> list[str]:
    """Labels of the NEARBY_QUANTILES that fall among the rows without a value (see quantile_over_all_rows)."""
    measured = _measured(values)
    return [
        f"p{round(q * 100)}"
        for q in NEARBY_QUANTILES
        if _quantile(measured, values.len(), q, direction) is None
    ]


def unmeasured_note(values: pl.Series, direction: str) -> str:
    """A sentence under the what-if table naming the percentiles it leaves out, or ""."""
    labels = unmeasured_quantiles(values, direction)
    if not labels:
        return ""
    missing = values.len() - values.cast(pl.Float64).drop_nulls().drop_nans().len()
    return (
        f"Percentiles are over all {values.len():,} rows; {', '.join(labels)} fall among the {missing:,} rows "
        "without a value (not measured: they pass at any threshold)."
    )
