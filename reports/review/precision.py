"""Per-rule precision measured from a curator's own labels, with a 95% Wilson interval.

    table = rule_precision(frame, rules, settings, store.all())   # lowest precision first

A label counts for a rule where the rule fails the row under the page's settings: moving a threshold so that
the rows labeled "wrong" pass raises the precision shown, which is the point of tuning. Labels on rows the
rule no longer fails are counted apart (`outside`), and labels on rows not in this run (`not_in_run`).
The interval is the one bench/precision.py reports for winnow's own labels (the same formula), so a
curator's numbers and the shipped ones read alike (winnow.reports.precision shows the shipped ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from winnow.reports.precision import wilson
from winnow.reports.review.labels import Label
from winnow.reports.review.rules import ReviewRule
from winnow.reports.review.whatif import Setting, effective, fails_then


@dataclass(frozen=True)
class RulePrecision:
    rule: str
    right: int
    labeled: int  # labels on rows the rule fails under the settings
    outside: int  # labels on rows of this run the rule does not fail under the settings
    not_in_run: int
    failing: int  # rows the rule fails under the settings

    @property
    def precision(self) -> float | None:
        return self.right / self.labeled if self.labeled else None

    def to_json(self) -> dict[str, Any]:
        low, high = wilson(self.right, self.labeled)
        return {
            "rule": self.rule,
            "right": self.right,
            "labeled": self.labeled,
            "precision": self.precision,
            "wilson_low": low if self.labeled else None,
            "wilson_high": high if self.labeled else None,
            "outside": self.outside,
            "not_in_run": self.not_in_run,
            "failing": self.failing,
        }


def rule_precision(
    frame: pl.DataFrame,
    rules: list[ReviewRule],
    settings: Mapping[str, Setting],
    labels: list[Label],
) -> list[RulePrecision]:
    """One entry per rule; rules with labels first, lowest precision (then lowest interval end) first."""
    out: list[RulePrecision] = []
    for rule in rules:
        fails = fails_then(rule, effective(rule, settings))
        mine = [label for label in labels if label.rule == rule.name]
        # only the labeled rows are looked up: a million-row run costs one pass per rule, not a set of ids
        seen = frame.filter(pl.col("id").is_in([label.id for label in mine])).select("id", fails.alias("f"))
        verdict_of = dict(zip(seen["id"].to_list(), seen["f"].to_list(), strict=True))
        counted = [label for label in mine if verdict_of.get(label.id) is True]
        out.append(
            RulePrecision(
                rule=rule.name,
                right=sum(label.verdict == "right" for label in counted),
                labeled=len(counted),
                outside=sum(verdict_of.get(label.id) is False for label in mine),
                not_in_run=sum(label.id not in verdict_of for label in mine),
                failing=int(frame.select(fails.sum()).item()),
            )
        )

    def order(entry: RulePrecision) -> tuple[int, float, float, int]:
        if entry.precision is None:
            return (1, 0.0, 0.0, -entry.failing)
        return (0, entry.precision, wilson(entry.right, entry.labeled)[0], -entry.labeled)

    return sorted(out, key=order)
