"""The library entry: rows whose dedup keys mean the same, clustered and explained on every row.

    out, stats = find_semantic_duplicates(frame, config, embed)     # embed: texts -> (n, d) vectors

Only rows still kept and with a non-empty key compete (their key text as `winnow.curation.dedup` reads it,
not normalized: the encoder reads natural text). Pairs at cosine >= threshold (winnow.curation.semantic.pairs)
join rows into clusters (connected components, as MinHash dedup does); the keep policy
(winnow.curation.dedup.keep) picks the row each cluster keeps. Adds, like MinHash dedup's dup_* columns:
`sem_dup_cluster` (String, null for rows without a semantic twin), `sem_dup_cluster_size` (Int64, 1 for unique
competing rows), `sem_dup_kept_id` (the kept row's id, on the others), `sem_dup_cosine` (cosine of the row's
key to the kept row's) and `sem_dup_reason` (`semantic_duplicate` on the rows not kept).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from winnow.curation.dedup.clusters import components
from winnow.curation.dedup.find import with_row_columns
from winnow.curation.dedup.keep import ranked_rows
from winnow.curation.dedup.normalize import key_expr
from winnow.curation.record import content_hash
from winnow.curation.semantic.pairs import similar_pairs
from winnow.curation.semantic.section import SemanticDedupConfig

REASON = "semantic_duplicate"
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "sem_dup_cluster": pl.String(),
    "sem_dup_cluster_size": pl.Int64(),
    "sem_dup_kept_id": pl.String(),
    "sem_dup_cosine": pl.Float64(),
    "sem_dup_reason": pl.String(),
}
Embed = Callable[[list[str]], np.ndarray]


def competing_rows(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Rows still kept with a non-empty key: every column plus `__row` (position) and `__text` (the key)."""
    alive = pl.col("drop_reason").is_null() if "drop_reason" in frame.columns else pl.lit(True)
    return (
        frame.lazy()
        .with_row_index("__row")
        .filter(alive)
        .with_columns(key_expr(key).str.strip_chars().replace("", None).alias("__text"))
        .filter(pl.col("__text").is_not_null())
        .collect()
    )


def unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def find_semantic_duplicates(
    frame: pl.DataFrame, config: SemanticDedupConfig, embed: Embed
) -> tuple[pl.DataFrame, dict[str, Any]]:
    rows = competing_rows(frame, config.key)
    vectors = unit(embed(rows["__text"].to_list())) if rows.height else np.zeros((0, 1), np.float32)
    a, b, _cosines, parts = similar_pairs(vectors, config.threshold, config.part_size)
    labels = components(rows.height, a, b) if rows.height else np.zeros(0, np.int64)
    rows = rows.with_columns(cluster=pl.Series(labels, dtype=pl.Int64)).with_columns(
        size=pl.len().over("cluster")
    )
    members = rows.filter(pl.col("size") > 1)
    note = None
    if members.height:
        ranks, note = ranked_rows(members, config.keep, config.source_priority)
        members = members.join(ranks, on="__row", how="left")
    else:
        members = members.with_columns(
            pl.lit(None, pl.UInt32).alias("__rank"), pl.lit(None, pl.UInt32).alias("kept_row")
        )
    position = {int(r): i for i, r in enumerate(rows["__row"].to_list())}
    kept_at = np.array([position[int(r)] for r in members["kept_row"].to_list()], dtype=np.int64)
    own_at = np.array([position[int(r)] for r in members["__row"].to_list()], dtype=np.int64)
    cosine = (vectors[own_at] * vectors[kept_at]).sum(axis=1) if members.height else np.zeros(0)
    ids = rows.select("__row", pl.col("id").alias("kept_id"))
    whole = config.keep == "drop_whole_cluster"
    is_kept = (pl.col("__rank") == 0) & pl.lit(not whole)
    min_ids = members.group_by("cluster").agg(pl.col("id").min().alias("min_id"))
    names = {m: "sem-" + content_hash(m, digest_size=8) for m in min_ids["min_id"].to_list()}
    explained = (
        members.with_columns(pl.Series("__cosine", cosine, dtype=pl.Float64))
        .join(min_ids, on="cluster", how="left")
        .join(ids, left_on="kept_row", right_on="__row", how="left")
        .select(
            "__row",
            pl.col("min_id").replace_strict(names, return_dtype=pl.String).alias("sem_dup_cluster"),
            pl.col("size").cast(pl.Int64).alias("sem_dup_cluster_size"),
            pl.when(is_kept | pl.lit(whole)).then(None).otherwise(pl.col("kept_id")).alias("sem_dup_kept_id"),
            pl.when(is_kept | pl.lit(whole)).then(None).otherwise(pl.col("__cosine")).alias("sem_dup_cosine"),
            pl.when(is_kept).then(None).otherwise(pl.lit(REASON)).alias("sem_dup_reason"),
        )
    )
    singles = rows.filter(pl.col("size") == 1).select(
        "__row", pl.lit(1, pl.Int64).alias("sem_dup_cluster_size")
    )
    out = with_row_columns(frame, pl.concat([explained, singles], how="diagonal_relaxed"), OUTPUT_SCHEMA)
    stats: dict[str, Any] = {
        "competing": rows.height,
        "pairs": len(a),
        "parts": parts,
        "clusters": int(min_ids.height),
        "rows_in_clusters": members.height,
        "duplicates": int(explained["sem_dup_reason"].is_not_null().sum()),
        "threshold": config.threshold,
        "key": config.key,
        "keep": config.keep,
    }
    if note:
        stats["note"] = note
    return out, stats
