"""The run's rules as the review page sees them: name, stage, action, and the threshold it can move.

    rules = review_rules(stats, frame.columns)       # stats.json's `rules`, in rule-file order
    rules[0].threshold_param                          # "max_ratio": the rule-file parameter the threshold is

A check's threshold is whatever its function put in `Check.threshold`; which rule-file parameter that is
is found by asking the check itself: it is built again with one numeric parameter moved, and the parameter
whose new value comes back as the threshold is the one (no naming convention is assumed); its type and the
range the check declares (`Annotated[int, Range(3, None)]`) bound what the page may set. A rule gets a
threshold control only when its metric column is in rows.parquet, so a what-if is computed from the values
the run measured, never guessed; its action can be changed when it is a `checks` rule (the other stages
take theirs per section: the language section's rules can be changed too, dedup's cannot yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from winnow.curation.checks.registry import registered_checks
from winnow.curation.language.section import LANGUAGE_RULES
from winnow.curation.rulefile.params import signature_schema

CHECKS_STAGE = "checks"
LATER_STAGE = "later"  # dedup (and any stage after checks other than language): its rows can be labeled only
LANGUAGE_STAGE = "language"
EDITABLE_STAGES = (CHECKS_STAGE, LANGUAGE_STAGE)  # stages whose rules' actions the page can change


@dataclass(frozen=True)
class ReviewRule:
    """One rule of the run: what it is, what it did, and what the page may change about it."""

    name: str
    stage: str
    check: str | None
    field: str | None
    action: str
    threshold: float | None  # the run's threshold (None: a yes/no rule)
    direction: str | None  # "max": fails above the threshold; "min": fails below
    metric_column: str | None  # present in rows.parquet, else None
    threshold_param: str | None  # the rule-file parameter holding the threshold, when found
    integer: bool  # the threshold parameter takes whole numbers
    failed: int  # rows that failed it in the run
    low: float | None = None  # the range the check declares for the parameter (rule-file validation)
    high: float | None = None
    not_movable: str | None = None  # why a threshold that exists cannot be moved here

    @property
    def movable(self) -> bool:
        """A threshold control is offered: the metric is in the run, the parameter is known, and the metric
        at the run's threshold gives the run's verdicts (winnow.reports.review.whatif.trust_metrics)."""
        return (
            self.metric_column is not None and self.threshold_param is not None and self.not_movable is None
        )

    @property
    def action_editable(self) -> bool:
        return self.stage in EDITABLE_STAGES

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stage": self.stage,
            "check": self.check,
            "field": self.field,
            "action": self.action,
            "threshold": self.threshold,
            "direction": self.direction,
            "metric_column": self.metric_column,
            "threshold_param": self.threshold_param,
            "integer": self.integer,
            "failed": self.failed,
            "low": self.low,
            "high": self.high,
            "movable": self.movable,
            "not_movable": self.not_movable,
            "action_editable": self.action_editable,
        }


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class ThresholdParam:
    name: str
    integer: bool
    low: float | None
    high: float | None


def threshold_param(check: str, params: dict[str, Any], threshold: float | None) -> ThresholdParam | None:
    """The parameter `check` uses as its threshold (with its type and declared range), or None."""
    if threshold is None:
        return None
    spec = registered_checks().get(check)
    if spec is None:
        return None
    schema = signature_schema(spec.function, spec.params)
    for key, value in params.items():
        if not _numeric(value) or float(value) != float(threshold) or key not in schema:
            continue
        base, ranges, _ = schema[key]
        probe = value + 7 if base is int else value + 0.125
        text = pl.col("text") if spec.scope == "text" else None
        try:
            built = spec.build(text, {**params, key: probe})
        except (ValueError, TypeError):  # a probe value the check refuses: not a threshold we can move
            continue
        if built.threshold is not None and float(built.threshold) == float(probe):
            lows = [r.low for r in ranges if r.low is not None]
            highs = [r.high for r in ranges if r.high is not None]
            return ThresholdParam(key, base is int, max(lows, default=None), min(highs, default=None))
    return None


def review_rules(stats: dict[str, Any], columns: list[str]) -> list[ReviewRule]:
    """The rules of stats.json (rule-file order) with their threshold parameter and metric column."""
    out: list[ReviewRule] = []
    for entry in stats.get("rules") or []:
        name = entry.get("name")
        if not isinstance(name, str):
            continue
        stage = str(entry.get("stage") or CHECKS_STAGE)
        threshold = entry.get("threshold")
        threshold = float(threshold) if _numeric(threshold) else None
        column = entry.get("metric_column")
        column = column if isinstance(column, str) and column in columns else None
        found = None
        if stage == CHECKS_STAGE and column is not None and isinstance(entry.get("check"), str):
            found = threshold_param(entry["check"], dict(entry.get("params") or {}), threshold)
        out.append(
            ReviewRule(
                name=name,
                stage=stage,
                check=entry.get("check"),
                field=entry.get("field"),
                action=str(entry.get("action") or "drop"),
                threshold=threshold,
                direction=entry.get("direction") if entry.get("direction") in ("max", "min") else None,
                metric_column=column,
                threshold_param=found.name if found else None,
                integer=found.integer if found else False,
                failed=int(entry.get("failed") or 0),
                low=found.low if found else None,
                high=found.high if found else None,
            )
        )
    return out


def language_actions(resolved: Path) -> dict[str, str]:
    """rule → action of the language section of a run's rules.resolved.yaml (empty without one)."""
    try:
        raw = yaml.safe_load(resolved.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    section = raw.get("language") if isinstance(raw, dict) else None
    if not isinstance(section, dict):
        return {}
    action = section.get("action", "drop")
    if isinstance(action, dict):
        return {rule: str(action.get(rule, "drop")) for rule in LANGUAGE_RULES}
    return dict.fromkeys(LANGUAGE_RULES, str(action))


def later_rules(
    frame: pl.DataFrame, stats: dict[str, Any], known: set[str], language: dict[str, str]
) -> list[ReviewRule]:
    """Language and dedup reasons: labels can be given on their rows, the language rules' actions changed
    (`language` holds the run's: rule → action); no threshold of theirs can be moved."""
    flagged = set((stats.get("flagged_by_rule") or {}).keys())
    exploded = frame.select(pl.col("failed_rules").explode().drop_nulls().alias("rule"))
    counts: dict[str, int] = dict(exploded.group_by("rule").len().iter_rows())
    return [
        ReviewRule(
            name=name,
            stage=LANGUAGE_STAGE if name in language else LATER_STAGE,
            check=None,
            field=None,
            action=language.get(name) or ("flag" if name in flagged else "drop"),
            threshold=None,
            direction=None,
            metric_column=None,
            threshold_param=None,
            integer=False,
            failed=int(counts[name]),
        )
        for name in sorted(counts)
        if name not in known
    ]
