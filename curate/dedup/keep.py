"""Which member of a duplicate cluster is kept.

longest_response   the longest reply (characters); ties: first seen
best_quality       the highest `quality_score` column; without that column, falls back to
                   longest_response and says so in the stats
source_priority    the first row whose source matches the earliest glob of the list; ties: first seen
first_seen         the earliest row in input order
drop_whole_cluster nobody: every member is dropped

With `max_per_prompt: K` the first K of a cluster in the policy's order are kept.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

import polars as pl

from winnow.curation.record import response_expr


def source_rank(sources: pl.Series, globs: Sequence[str]) -> pl.Series:
    """Index of the first glob each source matches (len(globs) when none does)."""
    ranks = {}
    for source in sources.unique().drop_nulls().to_list():
        ranks[source] = next((i for i, g in enumerate(globs) if fnmatch.fnmatchcase(source, g)), len(globs))
    return sources.replace_strict(ranks, default=len(globs), return_dtype=pl.Int64)


REPLY_CHARS = "__reply_chars"  # the reply's length, computed once with the competing rows (find.row_columns)


def reply_chars() -> pl.Expr:
    return response_expr().str.len_chars().fill_null(0).alias(REPLY_CHARS)


def keep_order(
    frame: pl.DataFrame, policy: str, globs: Sequence[str]
) -> tuple[list[pl.Expr], list[bool], str | None]:
    """Sort expressions (with `descending` flags) whose first row per cluster is the kept one, and a note
    when the policy had to fall back."""
    note = None
    if policy == "best_quality":
        if "quality_score" in frame.columns:
            return [pl.col("quality_score").fill_null(float("-inf")), pl.col("__row")], [True, False], None
        note = "keep: best_quality found no quality_score column; kept the longest response instead"
        policy = "longest_response"
    if policy == "longest_response":
        length = pl.col(REPLY_CHARS) if REPLY_CHARS in frame.columns else reply_chars()
        return [length, pl.col("__row")], [True, False], note
    if policy == "source_priority":
        rank = pl.col("source").map_batches(lambda s: source_rank(s, globs), return_dtype=pl.Int64)
        return [rank, pl.col("__row")], [False, False], None
    return [pl.col("__row")], [False], None  # first_seen (and drop_whole_cluster, for a stable order)


def ranked_rows(members: pl.DataFrame, policy: str, globs: Sequence[str]) -> tuple[pl.DataFrame, str | None]:
    """(__row, __rank, kept_row) for every member of `members` (columns __row, cluster + row columns):
    its place in its cluster's keep order (0 = the kept row) and the cluster's kept row. `max_per_prompt`
    keeps the ranks below K."""
    by, descending, note = keep_order(members, policy, globs)
    ordered = members.sort([*by, "__row"], descending=[*descending, False])
    return ordered.select(
        "__row",
        pl.int_range(pl.len(), dtype=pl.UInt32).over("cluster").alias("__rank"),
        pl.col("__row").first().over("cluster").alias("kept_row"),
    ), note
