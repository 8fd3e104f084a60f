"""Near-duplicate clusters: the kept row of each cluster and every member with its Jaccard to it.

Reads the dedup stage's columns (dup_cluster, dup_cluster_size, dup_kept_id, dup_jaccard). The largest
clusters are shown first (they are where a bad threshold hurts most), a few members each.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from winnow.reports.html import clip, not_available, num, table, text
from winnow.reports.run_data import RunData, display_text

CLUSTERS_SHOWN = 8
MEMBERS_SHOWN = 5
CLIP = 300


@dataclass
class ClusterView:
    cluster: str
    size: int
    kept: tuple[str, str | None] | None  # (id, text)
    members: list[tuple[str, float | None, str | None, str | None]]  # id, jaccard, drop_reason, text


@dataclass
class DedupView:
    clusters_total: int
    rows_in_clusters: int
    members_dropped: int
    clusters: list[ClusterView]


def build_dedup(run: RunData) -> DedupView | None:
    frame = run.frame
    if "dup_cluster" not in frame.columns:
        return None
    in_clusters = frame.filter(pl.col("dup_cluster").is_not_null())
    sizes = in_clusters.group_by("dup_cluster").len().sort(["len", "dup_cluster"], descending=[True, False])
    members_dropped = int(frame["dup_kept_id"].is_not_null().sum()) if "dup_kept_id" in frame.columns else 0
    chosen = sizes.head(CLUSTERS_SHOWN)["dup_cluster"].to_list()
    clusters = []
    for cluster in chosen:
        rows = in_clusters.filter(pl.col("dup_cluster") == cluster)
        kept_ids = rows.filter(pl.col("drop_reason").is_null())["id"].to_list()
        if not kept_ids and "dup_kept_id" in rows.columns:
            kept_ids = rows["dup_kept_id"].drop_nulls().unique().sort().head(1).to_list()
        kept_id = kept_ids[0] if kept_ids else None
        members = rows.filter(pl.col("id") != kept_id) if kept_id else rows
        if "dup_jaccard" in members.columns:
            members = members.sort("dup_jaccard", descending=True, nulls_last=True)
        members = members.head(MEMBERS_SHOWN)
        ids = ([kept_id] if kept_id else []) + members["id"].to_list()
        texts = dict(zip(ids, display_text(run.fetch(ids), "all_text"), strict=False))
        jaccards = (
            members["dup_jaccard"].to_list() if "dup_jaccard" in members.columns else [None] * members.height
        )
        clusters.append(
            ClusterView(
                cluster=str(cluster),
                size=rows.height,
                kept=(kept_id, texts.get(kept_id)) if kept_id else None,
                members=[
                    (mid, jac, reason, texts.get(mid))
                    for mid, jac, reason in zip(
                        members["id"].to_list(), jaccards, members["drop_reason"].to_list(), strict=True
                    )
                ],
            )
        )
    return DedupView(sizes.height, in_clusters.height, members_dropped, clusters)


def render_dedup(view: DedupView | None) -> str:
    if view is None:
        return not_available("Duplicate clusters", "no dup_cluster column: the dedup stage did not run")
    summary = table(
        ["clusters", "rows in clusters", "members dropped as duplicates"],
        [
            [
                num(view.clusters_total, "dedup.clusters"),
                num(view.rows_in_clusters, "dedup.rows_in_clusters"),
                num(view.members_dropped, "dedup.members_dropped"),
            ]
        ],
    )
    parts = [summary]
    for c in view.clusters:
        rows = []
        if c.kept:
            rows.append(['<td class="kept">kept</td>', text(c.kept[0]), num(None), clip(c.kept[1], CLIP)])
        for mid, jac, reason, shown in c.members:
            rows.append(
                [f'<td class="dropped">{text(reason or "kept")}</td>', text(mid), num(jac), clip(shown, CLIP)]
            )
        parts.append(
            f"<details><summary>cluster {text(c.cluster)} — {c.size:,} rows</summary>"
            + table(["status", "id", "Jaccard to kept", "text"], rows, cls="examples")
            + "</details>"
        )
    return "".join(parts)
