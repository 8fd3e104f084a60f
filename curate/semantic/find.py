"""The library entry: rows whose dedup keys mean the same, clustered and explained on every row.

    out, stats = find_semantic_duplicates(frame, config, embed)     # embed: texts -> (n, d) vectors

Only rows still kept and with a non-empty key compete (their key text as `winnow.curation.dedup` reads it,
not normalized: the encoder reads natural text). Pairs at cosine >= threshold (winnow.curation.semantic.pairs)
join rows into clusters (connected components, as MinHash dedup does); the keep policy
(winnow.curation.dedup.keep) picks the row each cluster keeps. Adds, like MinHash dedup's dup_* columns:
`sem_dup_cluster` (String, null for rows without a semantic twin), `sem_dup_cluster_size` (Int64, 1 for unique
competing rows), `sem_dup_kept_id` (the kept row's id, on the others), `sem_dup_cosine` (cosine of the row's
key to the kept row's) and `sem_dup_reason` (`semantic_duplicate` on the rows not kept).

Key `conversation`: the prompt (dedup's `instruction_input`) and the reply are embedded apart and a pair must
reach the threshold in both, its cosine being the lower of the two (as MinHash's pair must be near in prompt and
reply). One text of both would not do: the encoder reads its first max_seq_length tokens (256 for
all-MiniLM-L6-v2), so behind a long prompt every reply looked alike, and a shared prompt outweighed replies that
say different things (bench/labels/semantic_duplicate.jsonl: 8 models' answers to one instruction flagged as
copies of each other). A row with no prompt or no reply (pretrain text) compares its whole key in both halves.
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
from winnow.curation.record import content_hash, response_expr
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
        .with_columns(stripped(key_expr(key)).alias("__text"))
        .filter(pl.col("__text").is_not_null())
        .collect()
    )


def unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def stripped(expr: pl.Expr) -> pl.Expr:
    """The text without surrounding whitespace, null when nothing is left."""
    return expr.str.strip_chars().replace("", None)


def key_vectors(rows: pl.DataFrame, key: str, embed: Embed) -> list[np.ndarray]:
    """Unit vectors of the competing rows' keys: one block, or [prompt, reply] for key `conversation`."""
    if not rows.height:
        return [np.zeros((0, 1), np.float32)]
    if key != "conversation":
        return [unit(embed(rows["__text"].to_list()))]
    prompt, reply = stripped(key_expr("instruction_input")), stripped(response_expr())
    whole = prompt.is_null() | reply.is_null()
    halves = rows.select(
        prompt=pl.when(whole).then(pl.col("__text")).otherwise(prompt),
        reply=pl.when(whole).then(pl.col("__text")).otherwise(reply),
    )
    vectors = unit(embed([*halves["prompt"].to_list(), *halves["reply"].to_list()]))
    return [vectors[: rows.height], vectors[rows.height :]]


def near_pairs(
    blocks: list[np.ndarray], threshold: float, part_size: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """(a, b, parts): pairs whose cosine reaches the threshold in every block. Candidates come from the blocks
    side by side (their cosine is the blocks' mean, at least the threshold whenever each one is)."""
    joined = np.hstack(blocks) / np.sqrt(len(blocks)) if len(blocks) > 1 else blocks[0]
    slack = 1e-6 if len(blocks) > 1 else 0.0  # float32 rounding of the mean: no pair at the threshold lost
    a, b, _cosines, parts = similar_pairs(joined, threshold - slack, part_size)
    if len(blocks) > 1:
        near = np.all([(v[a] * v[b]).sum(axis=1) >= threshold for v in blocks], axis=0)
        a, b = a[near], b[near]
    return a, b, parts


def find_semantic_duplicates(
    frame: pl.DataFrame, config: SemanticDedupConfig, embed: Embed
) -> tuple[pl.DataFrame, dict[str, Any]]:
    rows = competing_rows(frame, config.key)
    blocks = key_vectors(rows, config.key, embed)
    a, b, parts = near_pairs(blocks, config.threshold, config.part_size)
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
    cosine = (
        np.min([(v[own_at] * v[kept_at]).sum(axis=1) for v in blocks], axis=0)
        if members.height
        else np.zeros(0)
    )
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
