"""The ledger: rows are never deleted between stages.

A stage that rejects rows records it on the row: `failed_rules` gets every failing rule appended and
`drop_reason` keeps the first failing rule (rule-file order, earlier stages first). A row is kept while its
`drop_reason` is null. Invariant of every run: rows read = kept + dropped + quarantined.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from curate.record import LEDGER_SCHEMA


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


def record_failures(frame: pl.DataFrame, failures: Sequence[tuple[str, pl.Expr]]) -> pl.DataFrame:
    """Record rule failures: `failures` is an ordered list of (reason, boolean expression true on failure).

    A null failure expression counts as a pass. Earlier reasons win `drop_reason`.
    """
    frame = with_ledger(frame)
    if not failures:
        return frame
    failed_now = pl.concat_list(
        [
            pl.when(expr.fill_null(False)).then(pl.lit(reason)).otherwise(pl.lit(None, pl.String))
            for reason, expr in failures
        ]
    ).list.drop_nulls()
    return (
        frame.with_columns(failed_now.alias("__failed_now"))
        .with_columns(
            pl.col("failed_rules").list.concat(pl.col("__failed_now")).alias("failed_rules"),
            pl.coalesce(pl.col("drop_reason"), pl.col("__failed_now").list.first()).alias("drop_reason"),
        )
        .drop("__failed_now")
    )


def kept(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("drop_reason").is_null())


def dropped(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("drop_reason").is_not_null())


def rule_counts(frame: pl.DataFrame, names: list[str]) -> list[tuple[int, int]]:
    """Per rule name: (rows that failed it, rows it dropped first), in one pass over the failing rows only."""
    if not names:
        return []
    failing = frame.select("failed_rules", "drop_reason").filter(pl.col("failed_rules").list.len() > 0)
    exprs = [
        expr
        for i, name in enumerate(names)
        for expr in (
            pl.col("failed_rules").list.contains(name).sum().alias(f"failed{i}"),
            (pl.col("drop_reason") == name).sum().alias(f"first{i}"),
        )
    ]
    counts = failing.select(exprs).row(0, named=True)
    return [(int(counts[f"failed{i}"] or 0), int(counts[f"first{i}"] or 0)) for i in range(len(names))]


def counts_by_reason(frame: pl.DataFrame) -> dict[str, int]:
    """Rows dropped per first reason, most first."""
    reasons = dropped(
        frame.select("drop_reason")
    )  # the one column: filtering the whole frame gathers every row
    counts = reasons.group_by("drop_reason").len().sort(["len", "drop_reason"], descending=[True, False])
    return {row["drop_reason"]: row["len"] for row in counts.iter_rows(named=True)}
