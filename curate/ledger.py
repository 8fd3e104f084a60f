"""The ledger: rows are never deleted between stages.

A stage that judges rows records it on the row: `failed_rules` gets every failing rule appended and
`drop_reason` keeps the first failing rule whose action is `drop` (rule-file order, earlier stages first).
A rule whose action is `flag` never drops: it goes to `failed_rules` and to `flagged_rules` (in rule-file
order): `flagged_rules` is the part of `failed_rules` that never drops a row. A row is kept while its
`drop_reason` is null, flagged or not. Invariant of every run: rows read = kept + dropped +
quarantined (flagged rows are counted inside kept).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple, TypeVar

import polars as pl

from winnow.curation.record import LEDGER_SCHEMA

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def with_ledger(frame: pl.DataFrame) -> pl.DataFrame:
    """Add empty ledger columns to a frame that has none yet (idempotent)."""
    missing = [
        pl.lit(None, dtype=dtype).alias(name)
        if name == "drop_reason"
        else pl.lit([], dtype=dtype).alias(name)
        for name, dtype in LEDGER_SCHEMA.items()
        if name not in frame.columns
    ]
    return frame.with_columns(missing) if missing else frame


def record_failures(
    frame: pl.DataFrame, failures: Sequence[tuple[str, pl.Expr]], flagged: Collection[str] = ()
) -> pl.DataFrame:
    """Record rule failures: `failures` is an ordered list of (reason, boolean expression true on failure).

    A null failure expression counts as a pass. Earlier reasons win `drop_reason`; a reason named in
    `flagged` (rules whose action is `flag`) never does: it is listed in `flagged_rules` instead.
    """
    frame = with_ledger(frame)
    if not failures:
        return frame

    def listed(pairs: Sequence[tuple[str, pl.Expr]]) -> pl.Expr:
        return pl.concat_list(
            [
                pl.when(expr.fill_null(False)).then(pl.lit(reason)).otherwise(pl.lit(None, pl.String))
                for reason, expr in pairs
            ]
        ).list.drop_nulls()

    drops = [(reason, expr) for reason, expr in failures if reason not in flagged]
    flags = [(reason, expr) for reason, expr in failures if reason in flagged]
    first_drop = (
        pl.coalesce([pl.when(expr.fill_null(False)).then(pl.lit(reason)) for reason, expr in drops])
        if drops
        else pl.lit(None, pl.String)
    )
    updates = [
        pl.col("failed_rules").list.concat(listed(failures)).alias("failed_rules"),
        pl.coalesce(pl.col("drop_reason"), first_drop).alias("drop_reason"),
    ]
    if flags:
        updates.append(pl.col("flagged_rules").list.concat(listed(flags)).alias("flagged_rules"))
    return frame.with_columns(updates)


def kept(frame: FrameT) -> FrameT:
    return frame.filter(pl.col("drop_reason").is_null())


def dropped(frame: FrameT) -> FrameT:
    return frame.filter(pl.col("drop_reason").is_not_null())


class RuleCount(NamedTuple):
    failed: int  # rows that failed the rule
    dropped_first: int  # rows it dropped (their first drop reason)
    flagged: int  # kept rows it flagged (action: flag)


def rule_counts(frame: pl.DataFrame, names: list[str]) -> list[RuleCount]:
    """Per rule name: its RuleCount, in one pass over the failing rows only."""
    if not names:
        return []
    failing = with_ledger(frame.select(c for c in LEDGER_SCHEMA if c in frame.columns)).filter(
        pl.col("failed_rules").list.len() > 0
    )
    kept_row = pl.col("drop_reason").is_null()
    exprs = [
        expr
        for i, name in enumerate(names)
        for expr in (
            pl.col("failed_rules").list.contains(name).sum().alias(f"failed{i}"),
            (pl.col("drop_reason") == name).sum().alias(f"first{i}"),
            (kept_row & pl.col("flagged_rules").list.contains(name)).sum().alias(f"flagged{i}"),
        )
    ]
    counts = failing.select(exprs).row(0, named=True)
    return [
        RuleCount(
            int(counts[f"failed{i}"] or 0), int(counts[f"first{i}"] or 0), int(counts[f"flagged{i}"] or 0)
        )
        for i in range(len(names))
    ]


def flagged_counts(frame: pl.DataFrame) -> tuple[int, dict[str, int]]:
    """(kept rows carrying at least one flag, kept rows per flagging rule, most first)."""
    if "flagged_rules" not in frame.columns:
        return 0, {}
    flagged = frame.select("drop_reason", "flagged_rules").filter(
        pl.col("drop_reason").is_null() & (pl.col("flagged_rules").list.len() > 0)
    )
    per_rule = (
        flagged.select(pl.col("flagged_rules").explode().alias("rule"))
        .group_by("rule")
        .len()
        .sort(["len", "rule"], descending=[True, False])
    )
    return flagged.height, {str(rule): int(n) for rule, n in per_rule.iter_rows()}


def counts_by_reason(frame: pl.DataFrame) -> dict[str, int]:
    """Rows dropped per first reason, most first."""
    reasons = dropped(
        frame.select("drop_reason")
    )  # the one column: filtering the whole frame gathers every row
    counts = reasons.group_by("drop_reason").len().sort(["len", "drop_reason"], descending=[True, False])
    return {row["drop_reason"]: row["len"] for row in counts.iter_rows(named=True)}
