"""Parameter declarations for check (and mapper) functions: value ranges carried in annotations.

A check declares a range where one exists, and the rule-file loader enforces it before any data is read:

    def max_digit_ratio(text: pl.Expr, max_ratio: Annotated[float, Range(0, 1)] = 0.6) -> Check: ...
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    """Inclusive bounds of a numeric parameter; None = unbounded on that side."""

    low: float | None = None
    high: float | None = None

    def violation(self, value: float) -> str | None:
        """Why `value` is out of range, or None when it is inside."""
        if self.low is not None and value < self.low:
            return f"must be >= {self.low:g}, got {value!r}"
        if self.high is not None and value > self.high:
            return f"must be <= {self.high:g}, got {value!r}"
        return None


RATIO = Range(0.0, 1.0)
NON_NEGATIVE = Range(0, None)
POSITIVE = Range(1, None)


@dataclass(frozen=True)
class Threshold:
    """Marks the parameter a check compares its metric with (it never changes the metric itself).

    Only needed where the metric expression cannot be serialized (a `map_batches` metric): the metric
    cache then identifies the metric by its other parameters.
    """


THRESHOLD = Threshold()
