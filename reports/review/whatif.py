"""What moving thresholds and actions would do to a run, computed from its metric columns.

    settings = {"max_dup_line_fraction": Setting(threshold=0.4, action="drop")}
    counts = totals(frame, rules, settings)     # {"newly_dropped": 7, "back": 0, ...} against the run
    rows = changed_rows(frame, rules, settings, "max_dup_line_fraction")

A `checks` rule with a metric column fails where its metric is past the threshold (a null metric passes,
as in the ledger; winnow.curation.checks.engine.BuiltRule.fails_from_metric); any other rule fails where the
run listed it in `failed_rules`. A row would be dropped when a failing `checks` or `language` rule has action
`drop`, or when a later stage (dedup) dropped it in the run. So the counts are exact for the checks stage:
the next `winnow curate` gives the same `failed` per rule. A row coming back was never seen by the later
stages; they judge it on the next run (a duplicate of a kept row is dropped again there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import polars as pl

from winnow.reports.review.rules import ReviewRule


@dataclass(frozen=True)
class Setting:
    """A rule's threshold and action as the curator set them on the page."""

    threshold: float | None
    action: str


def effective(rule: ReviewRule, settings: Mapping[str, Setting]) -> Setting:
    """The rule's setting on the page: the curator's, else the run's."""
    return settings.get(rule.name) or Setting(rule.threshold, rule.action)


def fails_then(rule: ReviewRule, setting: Setting) -> pl.Expr:
    """True where the rule would fail under `setting`."""
    threshold = setting.threshold
    if rule.movable and threshold is not None and rule.direction is not None:
        metric = pl.col(str(rule.metric_column))
        past = metric > threshold if rule.direction == "max" else metric < threshold
        return past.fill_null(False)
    return fails_now(rule.name)


def fails_now(name: str) -> pl.Expr:
    """True where the rule failed in the run."""
    return pl.col("failed_rules").list.contains(pl.lit(name)).fill_null(False)


def _judged(rules: list[ReviewRule]) -> list[ReviewRule]:
    """The rules whose verdicts the page recomputes (checks, language); the others' stand as the run left them."""
    return [rule for rule in rules if rule.action_editable]


def state_columns(
    frame: pl.DataFrame, rules: list[ReviewRule], settings: Mapping[str, Setting]
) -> pl.DataFrame:
    """id plus dropped/flagged in the run (`*_now`) and under `settings` (`*_then`), one row per row."""
    judged = _judged(rules)
    judged_names = [rule.name for rule in judged]
    false = pl.lit(False)
    drop_then, flag_then = false, false
    for rule in judged:
        setting = effective(rule, settings)
        fails = fails_then(rule, setting)
        if setting.action == "drop":
            drop_then = drop_then | fails
        else:
            flag_then = flag_then | fails
    reason = pl.col("drop_reason")
    later_drop = reason.is_not_null() & ~reason.is_in(judged_names)
    later_flag = (
        pl.col("flagged_rules").list.set_difference(pl.lit(judged_names, pl.List(pl.String))).list.len() > 0
    ).fill_null(False)
    dropped_now = reason.is_not_null()
    dropped_then = drop_then | later_drop
    return frame.select(
        "id",
        dropped_now.alias("dropped_now"),
        dropped_then.alias("dropped_then"),
        (~dropped_now & (pl.col("flagged_rules").list.len() > 0).fill_null(False)).alias("flagged_now"),
        (~dropped_then & (flag_then | later_flag)).alias("flagged_then"),
    )


def totals(frame: pl.DataFrame, rules: list[ReviewRule], settings: Mapping[str, Setting]) -> dict[str, int]:
    """Rows kept, dropped and flagged under `settings`, and how many change against the run."""
    state = state_columns(frame, rules, settings)
    now_d, then_d = pl.col("dropped_now"), pl.col("dropped_then")
    now_f, then_f = pl.col("flagged_now"), pl.col("flagged_then")
    row = state.select(
        (then_d & ~now_d).sum().alias("newly_dropped"),
        (~then_d & now_d).sum().alias("back"),
        (then_f & ~now_f).sum().alias("newly_flagged"),
        (~then_f & now_f).sum().alias("unflagged"),
        (~then_d).sum().alias("kept"),
        then_d.sum().alias("dropped"),
        then_f.sum().alias("flagged"),
    ).row(0, named=True)
    return {key: int(value) for key, value in row.items()}


def _consequence(state: pl.DataFrame) -> pl.Expr:
    now_d, then_d = pl.col("dropped_now"), pl.col("dropped_then")
    now_f, then_f = pl.col("flagged_now"), pl.col("flagged_then")
    return (
        pl.when(then_d & ~now_d)
        .then(pl.lit("drops"))
        .when(~then_d & now_d)
        .then(pl.lit("comes back"))
        .when(then_f & ~now_f)
        .then(pl.lit("flagged"))
        .when(~then_f & now_f)
        .then(pl.lit("unflagged"))
        .when(then_d)
        .then(pl.lit("still dropped"))
        .otherwise(pl.lit("no change"))
    )


def changed_rows(
    frame: pl.DataFrame,
    rules: list[ReviewRule],
    settings: Mapping[str, Setting],
    name: str,
) -> pl.DataFrame:
    """Rows whose verdict on rule `name` changes under `settings`: id, `newly` (true: fails now, did not
    fail in the run), the metric, and what happens to the row; most extreme metric first."""
    rule = next(r for r in rules if r.name == name)
    fails = fails_then(rule, effective(rule, settings))
    metric = pl.col(rule.metric_column) if rule.metric_column else pl.lit(None, pl.Float64)
    state = state_columns(frame, rules, settings)
    changed = (
        frame.select("id", fails.alias("then"), fails_now(name).alias("now"), metric.alias("metric"))
        .join(state, on="id", how="left", maintain_order="left")
        .filter(pl.col("then") != pl.col("now"))
    )
    return changed.select(
        "id", pl.col("then").alias("newly"), "metric", _consequence(changed).alias("consequence")
    ).sort("metric", descending=rule.direction != "min", nulls_last=True, maintain_order=True)


def failing_ids(frame: pl.DataFrame, rule: ReviewRule, settings: Mapping[str, Setting]) -> pl.DataFrame:
    """id and metric of the rows failing `rule` under `settings`, most extreme metric first."""
    metric = pl.col(rule.metric_column) if rule.metric_column else pl.lit(None, pl.Float64)
    failing = frame.filter(fails_then(rule, effective(rule, settings))).select("id", metric.alias("metric"))
    return failing.sort("metric", descending=rule.direction != "min", nulls_last=True, maintain_order=True)


def trust_metrics(frame: pl.DataFrame, rules: list[ReviewRule]) -> list[ReviewRule]:
    """`rules`, each movable one checked: its metric compared with its threshold must give exactly the run's
    verdicts, or the page could not predict the next run from it (a check whose verdict also depends on
    something its metric does not hold); such a rule keeps its action control and loses the threshold one."""
    out = []
    for rule in rules:
        if rule.movable:
            verdict = fails_then(rule, Setting(rule.threshold, rule.action))
            differ = int(frame.select((verdict != fails_now(rule.name)).sum()).item())
            if differ:
                rule = replace(
                    rule, not_movable=f"its metric at the threshold disagrees with the run on {differ:,} rows"
                )
        out.append(rule)
    return out
