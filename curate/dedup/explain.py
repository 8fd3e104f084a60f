"""What the dedup stage tells the report: counts, parameters, the S-curve and sample clusters."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import polars as pl

from winnow.curation.dedup.config import DedupConfig


def sample_clusters(out: pl.DataFrame, limit: int, members_shown: int = 10) -> list[dict[str, Any]]:
    """The largest clusters (ties by id): kept row id and members with their Jaccard and reason."""
    clustered = out.filter(pl.col("dup_cluster").is_not_null())
    if clustered.is_empty():
        return []
    order = (
        clustered.group_by("dup_cluster")
        .agg(pl.len().alias("size"))
        .sort(["size", "dup_cluster"], descending=[True, False])
        .head(limit)
    )
    samples = []
    for cluster, size in order.iter_rows():
        rows = clustered.filter(pl.col("dup_cluster") == cluster)
        kept = rows.filter(pl.col("dup_reason").is_null())["id"].to_list()
        dropped = rows.filter(pl.col("dup_reason").is_not_null()).sort(
            ["dup_jaccard", "id"], descending=[True, False], nulls_last=True
        )
        samples.append(
            {
                "cluster": cluster,
                "size": size,
                "kept_id": kept[0] if kept else None,
                "members": [
                    {"id": r["id"], "jaccard": r["dup_jaccard"], "reason": r["dup_reason"]}
                    for r in dropped.head(members_shown).iter_rows(named=True)
                ],
            }
        )
    return samples


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
