"""Task labels that the data itself carries.

Where a label can be: the `task` column (the reader puts a format's own task field there: Dolly `category`,
a `task` key), or fields the format did not map, kept in the `meta` JSON: `category` (Dolly, MT-Bench,
Vicuna bench), `task`, `task_type`, `tags` (first entry of a list), and self-instruct's `is_classification`.
The first of these that maps onto the label set wins (see winnow.curation.tasks.labels).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from winnow.curation.tasks.labels import normalize_label_expr

# meta JSON paths that may hold a task label, in the order they are trusted.
META_LABEL_PATHS: Final = ("$.category", "$.task", "$.task_type", "$.tags[0]", "$.tags")


def raw_data_label_expr(columns: list[str]) -> pl.Expr:
    """The first non-empty raw label the row carries (String, null when none): for stats and reporting."""
    candidates = _candidates(columns)
    return pl.coalesce([c.replace("", None) for c in candidates]) if candidates else pl.lit(None, pl.String)


def data_task_expr(columns: list[str], mapping: dict[str, str]) -> pl.Expr:
    """The first raw label that maps onto the task set, or null (String)."""
    mapped = [normalize_label_expr(c, mapping) for c in _candidates(columns)]
    if "meta" in columns:
        is_classification = pl.col("meta").str.json_path_match("$.is_classification").str.to_lowercase()
        mapped.append(pl.when(is_classification == "true").then(pl.lit("classification")))
    return pl.coalesce(mapped) if mapped else pl.lit(None, pl.String)


def _candidates(columns: list[str]) -> list[pl.Expr]:
    candidates: list[pl.Expr] = []
    if "task" in columns:
        candidates.append(pl.col("task").cast(pl.String))
    if "meta" in columns:
        candidates.extend(pl.col("meta").str.json_path_match(path) for path in META_LABEL_PATHS)
    return candidates
