"""Statistics on metric columns: binned histograms and "what if the threshold moved" counts.

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
    lo = float(finite.quantile(0.005, "lower") or 0.0)
    hi = float(finite.quantile(0.995, "higher") or 0.0)
    if threshold is not None and math.isfinite(threshold):
        lo, hi = min(lo, threshold), max(hi, threshold)
    if hi <= lo:
        hi = lo + 1.0
    width = (hi - lo) / bins
    index = ((finite - lo) / width).floor().clip(0, bins - 1).cast(pl.Int64)
    counts_frame = index.value_counts()
    counts = [0] * bins
    for i, n in counts_frame.iter_rows():
        counts[i] = n
    edges = [lo + i * width for i in range(bins + 1)]
    return Histogram(
        edges=edges,
        counts=counts,
        nulls=nulls,
        clipped_low=int((finite < lo).sum()),
        clipped_high=int((finite > hi).sum()),
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


def nearby_thresholds(values: pl.Series, threshold: float, direction: str) -> list[Nearby]:
    """Fail counts at the threshold scaled by NEARBY_FACTORS, plus the metric's quantiles.

    Scaling says "what a 10% change does"; quantiles cover a threshold of 0, where scaling says nothing.
    """
    rows: dict[float, Nearby] = {}
    if threshold != 0:
        for factor in NEARBY_FACTORS:
            t = threshold * factor
            label = "current" if factor == 1.0 else f"× {factor:g}"
            rows[t] = Nearby(label, t, would_fail(values, t, direction), factor == 1.0)
    else:
        rows[threshold] = Nearby("current", threshold, would_fail(values, threshold, direction), True)
    finite = values.cast(pl.Float64).drop_nulls().drop_nans()
    if not finite.is_empty():
        for q in NEARBY_QUANTILES:
            t = float(finite.quantile(q, "nearest") or 0.0)
            if t not in rows:
                rows[t] = Nearby(f"p{round(q * 100)}", t, would_fail(values, t, direction), False)
    return sorted(rows.values(), key=lambda n: n.threshold)
