"""The `tasks` stage (order 50): fill `task`, `task_source` and `task_confidence` on every row.

Precedence per row: a rule-file override with `replace_data: true`, then a label the data carries
(`task` column or `meta` fields, mapped onto the label set), then any other matching override, then the
built-in classifier. Data labels and overrides have confidence 1.0. Dropped rows are labelled too, so the
report can show what the earlier stages removed per task. No row is dropped here. The stage runs only when
the rule file has a `tasks`, `mix` or `split` section.
"""

from __future__ import annotations

import polars as pl

from winnow.curation.stages import RuleSet, StageContext, stage
from winnow.curation.tasks.classifier import classify
from winnow.curation.tasks.data_labels import data_task_expr, raw_data_label_expr
from winnow.curation.tasks.labels import label_map
from winnow.curation.tasks.overrides import override_exprs
from winnow.curation.tasks.section import TasksConfig


def label_tasks(frame: pl.DataFrame, config: TasksConfig) -> tuple[pl.DataFrame, dict[str, object]]:
    """The frame with `task`, `task_source`, `task_confidence` set, and the stage's stats."""
    mapping = label_map(dict(config.label_map))
    columns = frame.columns
    data_task = data_task_expr(columns, mapping) if config.from_data else pl.lit(None, pl.String)
    raw_label = raw_data_label_expr(columns) if config.from_data else pl.lit(None, pl.String)
    rule_task, rule_replaces = override_exprs(config.overrides)
    if config.classifier:
        guessed = classify(frame)
        low = guessed["confidence"] < config.min_confidence
        guess_task = pl.Series("__guess", guessed["task"]).zip_with(~low, pl.Series(["other"] * frame.height))
        guess_conf = guessed["confidence"]
    else:
        guess_task = pl.Series("__guess", ["other"] * frame.height, dtype=pl.String)
        guess_conf = pl.Series("__guess_conf", [0.0] * frame.height, dtype=pl.Float64)
    work = frame.with_columns(
        data_task.alias("__data"),
        raw_label.alias("__raw"),
        rule_task.alias("__rule"),
        rule_replaces.alias("__rule_replaces"),
        guess_task.alias("__guess"),
        guess_conf.alias("__guess_conf"),
    )
    rule_first = pl.col("__rule").is_not_null() & pl.col("__rule_replaces").fill_null(False)
    has_data = pl.col("__data").is_not_null()
    has_rule = pl.col("__rule").is_not_null()
    source = (
        pl.when(rule_first)
        .then(pl.lit("rule"))
        .when(has_data)
        .then(pl.lit("data"))
        .when(has_rule)
        .then(pl.lit("rule"))
        .otherwise(pl.lit("classifier"))
    )
    work = work.with_columns(source.alias("task_source")).with_columns(
        pl.when(pl.col("task_source") == "rule")
        .then(pl.col("__rule"))
        .when(pl.col("task_source") == "data")
        .then(pl.col("__data"))
        .otherwise(pl.col("__guess"))
        .alias("task"),
        pl.when(pl.col("task_source") == "classifier")
        .then(pl.col("__guess_conf"))
        .otherwise(pl.lit(1.0))
        .cast(pl.Float64)
        .alias("task_confidence"),
    )
    unmapped = (
        work.filter(pl.col("__raw").is_not_null() & pl.col("__data").is_null())
        .group_by("__raw")
        .len()
        .sort(["len", "__raw"], descending=[True, False])
        .head(50)
    )
    stats: dict[str, object] = {
        "by_task": _counts(work, "task"),
        "by_source": _counts(work, "task_source"),
        "classifier_mean_confidence": _mean_conf(work),
        "unmapped_data_labels": {row[0]: row[1] for row in unmapped.iter_rows()},
        "overrides": len(config.overrides),
    }
    return work.drop("__data", "__raw", "__rule", "__rule_replaces", "__guess", "__guess_conf"), stats


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counts = frame.group_by(column).len().sort(["len", column], descending=[True, False])
    return {str(row[0]): int(row[1]) for row in counts.iter_rows()}


def _mean_conf(frame: pl.DataFrame) -> float | None:
    classified = frame.filter(pl.col("task_source") == "classifier")["task_confidence"]
    value = classified.mean() if classified.len() else None
    return round(float(value), 4) if isinstance(value, int | float) else None


@stage("tasks", order=50)
def tasks_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    """Label every row. Runs when the rule file has a `tasks`, `mix` or `split` section (the last two need
    labels; defaults then); otherwise it leaves the frame alone, so a plain filtering run pays nothing."""
    if not any(name in rules for name in ("tasks", "mix", "split")):
        return frame
    config = rules.get("tasks") or TasksConfig()
    ctx.report_progress("task labels", 0, frame.height)
    labelled, stats = label_tasks(frame, config)
    ctx.report_progress("task labels", frame.height, frame.height)
    ctx.stats["tasks"] = stats
    return labelled
