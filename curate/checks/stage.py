"""Stage `checks` (order 20): every row-local rule of the rule file in one pass, recorded in the ledger.

1. Metrics (`metric.<rule name>`, Float64) and yes/no results come from the metric cache (winnow.curation.cache)
   or are computed together in one lazy select over the rows that miss; for those rows only, each field
   the rules read (response, all_text, …) is computed once into a temporary `__field.<name>` column,
   and so is each derived column (`…|prose`, `…|nonspace`, see winnow.curation.checks.textexpr).
2. Failures are the metric compared with the threshold (so a threshold change costs only comparisons).
3. `winnow.curation.ledger.record_failures` records them in file order (drop_reason = first failing rule whose
   action is `drop`; rules with `action: flag` go to `flagged_rules`), on the rows that failed something
   only. The action is not part of any metric's identity: changing it recomputes nothing.
4. Spans (the offending text, for the report) are computed on failing rows only, into `check_spans`
   (List[Struct{rule, span}], empty when nothing failed or no span is known).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from winnow.curation.arrow_arrays import from_numpy, offsets_of
from winnow.curation.cache import MetricCache, expression_definition, handed_on_keys, metric_identity
from winnow.curation.checks.engine import BuiltRule, build_rule, field_columns
from winnow.curation.checks.params import Threshold
from winnow.curation.checks.section import ChecksConfig
from winnow.curation.checks.textexpr import derived_columns
from winnow.curation.chunks import aligned, aligned_to
from winnow.curation.ledger import record_failures, rule_counts, with_ledger
from winnow.curation.placement import null_elsewhere_index
from winnow.curation.stages import RuleSet, StageContext, stage

SPAN_CHARS = 200
SPAN_TYPE = pl.List(pl.Struct({"rule": pl.String(), "span": pl.String()}))


def _metric_fallback(built: BuiltRule) -> str:
    """Identity of a metric whose expression cannot be serialized: check, field and non-threshold params."""
    hints = typing.get_type_hints(built.spec.function, include_extras=True)
    thresholds = {
        name
        for name, hint in hints.items()
        if typing.get_origin(hint) is typing.Annotated
        and any(isinstance(m, Threshold) for m in hint.__metadata__)
    }
    params = sorted((k, v) for k, v in built.rule.params.items() if k not in thresholds)
    return f"{built.rule.check}|{built.rule.field}|{params!r}"


FLAG_PREFIX = "__flag."  # temporary columns: cached results (1.0 / 0.0 / null) of yes/no checks


def flag_column(built: BuiltRule) -> str:
    return f"{FLAG_PREFIX}{built.rule.name}"


Prepare = typing.Callable[[pl.LazyFrame], pl.LazyFrame]


@dataclass(frozen=True)
class Preparation:
    """Adds the field and derived columns the built rules read, level by level (each level reads the
    frame's columns and earlier levels)."""

    levels: list[dict[str, pl.Expr]]

    def __call__(self, lazy: pl.LazyFrame) -> pl.LazyFrame:
        for level in self.levels:
            if level:
                lazy = lazy.with_columns([expr.alias(name) for name, expr in level.items()])
        return lazy

    def source_columns(self) -> set[str]:
        """The frame's own columns the added ones are computed from."""
        added = {name for level in self.levels for name in level}
        read = {root for level in self.levels for expr in level.values() for root in expr.meta.root_names()}
        return read - added


def preparation(rules: list[BuiltRule], *, spans_only: bool = False) -> Preparation:
    """The columns the built rules read (added only to the rows being computed); `spans_only`: only those
    their spans read (spans are computed on failing rows, after the metrics)."""
    if spans_only:
        exprs = [b.span for b in rules if b.span is not None]
    else:
        exprs = [e for b in rules for e in (b.fails, b.metric) if e is not None]
    return Preparation([field_columns(exprs), *derived_columns(exprs)])


def reads(expr: pl.Expr) -> str:
    """Definitions of the temporary field and derived columns `expr` reads, for its cache identity:
    the expression only names them (`__field.response|stripped`), and a changed derivation must not
    reuse values computed with the old one."""
    columns = dict(field_columns([expr]))
    for level in derived_columns([expr]):
        columns.update(level)
    return ";".join(f"{name}={expression_definition(e)}" for name, e in sorted(columns.items()))


def metric_exprs(rules: list[BuiltRule]) -> tuple[dict[str, tuple[pl.Expr, str]], dict[str, str]]:
    """What `metric_values` asks the metric cache for: column name → (expression, fallback id), and column
    name → the definitions of the temporary columns it reads (part of its identity)."""
    exprs = {}
    for built in rules:
        if built.metric is not None and built.metric_column is not None:
            exprs[built.metric_column] = (built.metric, _metric_fallback(built))
        else:
            exprs[flag_column(built)] = (built.fails.cast(pl.Float64), f"flag|{_metric_fallback(built)}")
    return exprs, {name: reads(expr) for name, (expr, _) in exprs.items()}


def metric_values(
    frame: pl.DataFrame,
    rules: list[BuiltRule],
    cache: MetricCache,
    prepare: Prepare | None = None,
    keys: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """A `metric.<name>` column for every rule that has a metric and a temporary `__flag.<name>` column
    (1.0 = fails) for every yes/no check, in rule order.

    Yes/no checks go through the metric cache too: a re-run with only thresholds changed must not
    re-evaluate them (some sanity checks cost more than every metric together).
    """
    exprs, depends = metric_exprs(rules)
    if not exprs:
        return pl.DataFrame()
    return cache.metrics(frame, exprs, prepare=prepare, depends=depends, keys=keys)


def metrics_on_disk(rules: list[BuiltRule], cache: MetricCache) -> bool:
    """Whether the metric cache holds a file for every metric and flag of `rules` (whatever rows it holds)."""
    exprs, depends = metric_exprs(rules)
    return all(
        cache.holds(metric_identity(expr, fallback, depends[name]))
        for name, (expr, fallback) in exprs.items()
    )


def failure_expr(built: BuiltRule) -> pl.Expr:
    if built.metric is not None:
        return built.fails_from_metric()
    return pl.col(flag_column(built)) == 1.0


def record_rule_failures(
    frame: pl.DataFrame, rules: list[BuiltRule], values: pl.DataFrame | None = None
) -> pl.DataFrame:
    """`winnow.curation.ledger.record_failures` applied to the rows that failed at least one rule.

    Recording is a no-op on rows that failed nothing, and building the per-row lists of reasons is the
    costly part, so the failures are evaluated once as flags and only the failing rows (typically a few
    percent) go through the ledger; their ledger columns are joined back by row position. `values`:
    the metric and flag columns when they are not in `frame` (`metric_values`).
    """
    if not rules:
        return frame
    flagged = frozenset(b.rule.name for b in rules if b.rule.action == "flag")
    exprs = [failure_expr(b).fill_null(False).alias(f"__fail{i}") for i, b in enumerate(rules)]
    source = frame
    if values is not None:
        readable = set(values.columns)
        reads_values_only = all(set(e.meta.root_names()) <= readable for e in exprs)
        source = values if reads_values_only else frame.with_columns(values.get_columns())
    flags = source.select(exprs)
    failing = flags.select(pl.any_horizontal(pl.all()).alias("any"))["any"]
    if not failing.any():
        return frame
    rows = failing.arg_true()
    ledger = frame.select("drop_reason", "failed_rules", "flagged_rules")
    fresh = (
        ledger["drop_reason"].null_count() == ledger.height
        and not (ledger["failed_rules"].list.len() > 0).any()
        and not (ledger["flagged_rules"].list.len() > 0).any()
    )
    # a fresh ledger (the checks run first) is the same on every row: slice it instead of gathering
    ledger = ledger.slice(0, len(rows)) if fresh else ledger[rows]
    subset = pl.concat([ledger, flags[rows]], how="horizontal")
    recorded = _record_by_pattern(
        subset, [(b.rule.name, pl.col(f"__fail{i}")) for i, b in enumerate(rules)], flagged
    )
    if fresh:  # every other row keeps its empty ledger: place the failing rows' without a join over all rows
        return frame.with_columns(
            frame["drop_reason"].scatter(rows, recorded["drop_reason"]),
            _lists_at_rows(frame.height, rows, recorded["failed_rules"]),
            _lists_at_rows(frame.height, rows, recorded["flagged_rules"]),
        )
    columns = ("drop_reason", "failed_rules", "flagged_rules")
    updates = _at_rows(frame.height, rows, recorded.select(pl.col(c).alias(f"__{c}") for c in columns))
    return frame.with_columns(pl.coalesce(updates[f"__{c}"], pl.col(c)).alias(c) for c in columns)


def _record_by_pattern(
    subset: pl.DataFrame, failures: list[tuple[str, pl.Expr]], flagged: frozenset[str] = frozenset()
) -> pl.DataFrame:
    """`record_failures(subset, failures, flagged)`, computed once per distinct pattern of failures.

    Rows that failed the same rules get the same ledger when it was empty before (as it is when the
    checks run first), and the failing rows of a real corpus share a few hundred patterns: the ledger's
    per-row lists are built for those only and joined back on the pattern (a 64-bit mask).
    """
    fresh = subset.select(
        (
            pl.col("drop_reason").is_null()
            & (pl.col("failed_rules").list.len() == 0)
            & (pl.col("flagged_rules").list.len() == 0)
        ).all()
    ).item()
    if len(failures) > 64 or not fresh:
        return record_failures(subset, failures, flagged)
    mask = pl.sum_horizontal(
        [expr.fill_null(False).cast(pl.UInt64) * (1 << i) for i, (_, expr) in enumerate(failures)]
    ).alias("__pattern")
    patterns = subset.with_columns(mask)
    distinct = patterns.unique(subset="__pattern", keep="first", maintain_order=True)
    recorded = record_failures(distinct, failures, flagged).select(
        "__pattern", "drop_reason", "failed_rules", "flagged_rules"
    )
    return patterns.select("__pattern").join(recorded, on="__pattern", how="left", maintain_order="left")


def _at_rows(height: int, rows: pl.Series, values: pl.DataFrame) -> pl.DataFrame:
    """`values` (one row per entry of `rows`) put at those row positions of a `height`-row frame, null
    elsewhere (winnow.curation.placement)."""
    return values.select(pl.all().gather(null_elsewhere_index(height, rows)))


def add_spans(
    frame: pl.DataFrame, rules: list[BuiltRule], prepare: Preparation | None = None
) -> pl.DataFrame:
    """`check_spans` for rows that failed a rule with a span; each span computed on that rule's failing
    rows only, gathered per row in rule order."""
    empty = pl.lit([], dtype=SPAN_TYPE)
    with_span = [b for b in rules if b.span is not None]
    names = [b.rule.name for b in with_span]
    failing = (
        frame.select("failed_rules")
        .with_row_index("__row")
        .filter(pl.col("failed_rules").list.len() > 0)  # cheap first: most rows failed nothing
        # (not list.set_intersection with a literal list: Polars 2.1 panics on it over a many-chunk column)
        .filter(pl.any_horizontal([pl.col("failed_rules").list.contains(name) for name in names] or [False]))
    )
    if failing.height == 0:
        return frame.with_columns(empty.alias("check_spans"))
    # Only the columns the spans read are gathered (gathering every column of a frame in pieces cost
    # 0.1 s per 1M rows).
    read = {root for b in with_span if b.span is not None for root in b.span.meta.root_names()}
    if prepare is not None:
        read |= prepare.source_columns()
    columns = ["failed_rules", *(c for c in frame.columns if c in read and c != "failed_rules")]
    failing = frame.select(columns).with_row_index("__row")[failing["__row"]]
    if prepare is not None:
        failing = prepare(failing.lazy()).collect()
    pieces = []
    for order, b in enumerate(with_span):
        assert b.span is not None
        pieces.append(
            failing.lazy()
            .filter(pl.col("failed_rules").list.contains(b.rule.name))
            .select(
                "__row",
                pl.lit(order, dtype=pl.UInt32).alias("__order"),
                pl.struct(pl.lit(b.rule.name).alias("rule"), b.span.str.slice(0, SPAN_CHARS).alias("span")),
            )
        )
    spans = (
        pl.concat(pl.collect_all(pieces))
        .filter(pl.col("rule").struct.field("span").is_not_null())
        .sort("__row", "__order")
        .group_by("__row", maintain_order=True)
        .agg(pl.col("rule").alias("check_spans"))
    )
    placed = _lists_at_rows(frame.height, spans["__row"], spans["check_spans"].cast(SPAN_TYPE))
    return frame.with_columns(placed)


def _lists_at_rows(height: int, rows: pl.Series, lists: pl.Series) -> pl.Series:
    """A `height`-row column of `lists.dtype`: `lists` at the row positions `rows` (ascending), empty lists
    elsewhere. Built from Arrow offsets: placing the lists by a join and filling the other rows with empty
    lists rebuilt every row (40 ms per 1M rows, on every re-run)."""
    array = lists.to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    counts = np.zeros(height, dtype=np.int64)
    counts[rows.to_numpy()] = np.diff(offsets_of(array))
    offsets = np.zeros(height + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    placed = pa.LargeListArray.from_arrays(from_numpy(offsets), array.flatten())
    return pl.Series(lists.name, placed, dtype=lists.dtype)


def rule_stats(frame: pl.DataFrame, rules: list[BuiltRule]) -> list[dict[str, Any]]:
    """The stats.json `rules` entries of this stage (failed and dropped_first are final: the checks run
    before later stages; `flagged`, kept rows the rule flagged, is counted on the final frame)."""
    counts = rule_counts(frame, [b.rule.name for b in rules])
    return [
        {
            "name": built.rule.name,
            "check": built.rule.check,
            "stage": "checks",
            "field": built.rule.field,
            "params": dict(built.rule.params),
            "threshold": built.threshold,
            "direction": built.direction,
            "metric_column": built.metric_column,
            "action": built.rule.action,
            "failed": counts[i].failed,
            "dropped_first": counts[i].dropped_first,
        }
        for i, built in enumerate(rules)
    ]


def run_checks(
    frame: pl.DataFrame, config: ChecksConfig, cache: MetricCache
) -> tuple[pl.DataFrame, dict[str, Any]]:
    rules = [build_rule(rule, materialized=True) for rule in config.rules]
    prepare = preparation(rules)
    keys = handed_on_keys(frame)  # the mappers stage's, when it returned this frame
    frame = with_ledger(frame)
    # chunked like the frame (cached values come in one piece, computed ones in Polars'): see winnow.curation.chunks
    values = aligned_to(frame, metric_values(frame, rules, cache, prepare, keys))
    # the metric columns join the frame; the yes/no flags are only read to record failures
    frame = frame.with_columns([c for c in values.get_columns() if not c.name.startswith(FLAG_PREFIX)])
    frame = aligned(record_rule_failures(frame, rules, values))
    frame = aligned(add_spans(frame, rules, preparation(rules, spans_only=True)))
    stats = {
        "rules": rule_stats(frame, rules),
        "cache": {
            "directory": str(cache.directory) if cache.directory else None,
            "values_from_cache": cache.stats.hits,
            "values_computed": cache.stats.computed,
            "metrics_from_cache": list(cache.stats.metrics_from_cache),
        },
    }
    return frame, stats


@stage("checks", order=20)
def checks_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config = rules.get("checks")
    if not isinstance(config, ChecksConfig) or not config.rules:
        return with_ledger(frame)
    ctx.report_progress(f"checking {len(config.rules)} rules", 0, 1)
    cache = MetricCache(ctx.cache_dir)
    frame, stats = run_checks(frame, config, cache)
    ctx.stats["checks"] = stats
    ctx.report_progress(f"checking {len(config.rules)} rules", 1, 1)
    return frame
