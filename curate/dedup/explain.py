"""What the dedup stage tells the report: counts, parameters, the S-curve and sample clusters."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import polars as pl

from winnow.curation.dedup.config import DedupConfig


def sample_clusters(out: pl.DataFrame, limit: int, members_shown: int = 10) -> list[dict[str, Any]]:
    """The largest clusters (ties by id): kept row id and members with their Jaccard and reason.

    One pass over the clustered rows for all the clusters shown (a filter per cluster was ~10 ms of a
    2k-row stage, and grows with the rows)."""
    clustered = out.select("id", "dup_cluster", "dup_reason", "dup_jaccard").filter(
        pl.col("dup_cluster").is_not_null()
    )
    if clustered.is_empty():
        return []
    order = (
        clustered.group_by("dup_cluster")
        .agg(pl.len().alias("size"))
        .sort(["size", "dup_cluster"], descending=[True, False])
        .head(limit)
    )
    chosen = clustered.filter(pl.col("dup_cluster").is_in(order["dup_cluster"].implode()))
    kept_rows = chosen.filter(pl.col("dup_reason").is_null())
    kept = dict(kept_rows.group_by("dup_cluster").agg(pl.col("id").first()).iter_rows())  # first in row order
    members: dict[str, list[dict[str, Any]]] = {}
    dropped = chosen.filter(pl.col("dup_reason").is_not_null()).sort(
        ["dup_jaccard", "id"], descending=[True, False], nulls_last=True
    )
    for row in dropped.group_by("dup_cluster", maintain_order=True).head(members_shown).iter_rows(named=True):
        member = {"id": row["id"], "jaccard": row["dup_jaccard"], "reason": row["dup_reason"]}
        members.setdefault(row["dup_cluster"], []).append(member)
    return [
        {"cluster": cluster, "size": size, "kept_id": kept.get(cluster), "members": members.get(cluster, [])}
        for cluster, size in order.iter_rows()
    ]


def summary(stats: dict[str, Any], config: DedupConfig) -> str:
    """One line a person reads: what was compared, how, and what it decided."""
    methods = (["exact"] if config.exact else []) + (["MinHash LSH"] if config.near.enabled else [])
    line = f"{' + '.join(methods) or 'nothing'} on {config.key}, {stats['rows_compared']:,} rows"
    near = stats.get("near") or {}
    if near:
        curve = near["s_curve"]
        line += (
            f"; {config.near.num_perm} permutations, {near['bands']} bands x {near['rows']} rows "
            f"(P(candidate) {curve['0.5']:.2f} at J=0.5, {curve['0.7']:.2f} at J=0.7, {curve['0.9']:.2f} at J=0.9), "
            f"{near['candidate_pairs']:,} candidate pairs, {near['duplicate_pairs']:,} at {'C' if config.near.measure == 'containment' else 'J'} >= {config.near.threshold:g}"
        )
    dropped = ", ".join(f"{n:,} {reason}" for reason, n in stats["dropped"].items()) or "none"
    return f"{line}; {stats['clusters']:,} clusters; keep {config.keep}; dropped: {dropped}"


def dedup_stats(
    out: pl.DataFrame, *, competing: int, config: DedupConfig, near: dict[str, Any], note: str | None
) -> dict[str, Any]:
    reasons = out["dup_reason"].value_counts().drop_nulls().sort("dup_reason")
    clusters = out.filter(pl.col("dup_cluster").is_not_null())
    sizes = clusters.group_by("dup_cluster").len()
    config_dict = asdict(config)
    stats: dict[str, Any] = {
        "key": config.key,
        "keep": config.keep,
        "rows_compared": competing,
        "dropped": {r: int(n) for r, n in reasons.iter_rows()},
        "clusters": sizes.height,
        "rows_in_clusters": clusters.height,
        "largest_cluster": int(sizes["len"].max() or 0) if sizes.height else 0,  # type: ignore[arg-type]
        "near": near,
        "params": config_dict,
        "notes": [note] if note else [],
        "sample_clusters": sample_clusters(out, config.sample_clusters),
    }
    stats["summary"] = summary(stats, config)
    return stats
