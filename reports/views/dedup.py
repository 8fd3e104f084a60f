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


@dataclass
class _Shown:
    """One shown cluster before its texts are fetched: its rows, kept id and the members shown."""

    cluster: str
    size: int
    kept_id: str | None
    members: pl.DataFrame

    @property
    def ids(self) -> list[str]:
        return ([self.kept_id] if self.kept_id else []) + self.members["id"].to_list()


@dataclass
class DedupPlan:
    clusters_total: int
    rows_in_clusters: int
    members_dropped: int
    shown: list[_Shown]

    @property
    def ids(self) -> list[str]:
        """The rows whose text the view shows (to fetch them with every other example in one scan)."""
        return [i for c in self.shown for i in c.ids]


def plan_dedup(run: RunData) -> DedupPlan | None:
    """The clusters shown and their rows, from the light columns only (no text read yet)."""
    frame = run.frame
    if "dup_cluster" not in frame.columns:
        return None
    columns = [
        c for c in ("id", "drop_reason", "dup_cluster", "dup_kept_id", "dup_jaccard") if c in frame.columns
    ]
    in_clusters = frame.select(columns).filter(pl.col("dup_cluster").is_not_null())
    sizes = in_clusters.group_by("dup_cluster").len().sort(["len", "dup_cluster"], descending=[True, False])
    members_dropped = int(frame["dup_kept_id"].is_not_null().sum()) if "dup_kept_id" in frame.columns else 0
    chosen = sizes.head(CLUSTERS_SHOWN)["dup_cluster"].to_list()
    shown = []
    for cluster in chosen:
        rows = in_clusters.filter(pl.col("dup_cluster") == cluster)
        kept_ids = rows.filter(pl.col("drop_reason").is_null())["id"].to_list()
        if not kept_ids and "dup_kept_id" in rows.columns:
            kept_ids = rows["dup_kept_id"].drop_nulls().unique().sort().head(1).to_list()
        kept_id = kept_ids[0] if kept_ids else None
        members = rows.filter(pl.col("id") != kept_id) if kept_id else rows
        if "dup_jaccard" in members.columns:
            members = members.sort("dup_jaccard", descending=True, nulls_last=True)
        shown.append(_Shown(str(cluster), rows.height, kept_id, members.head(MEMBERS_SHOWN)))
    return DedupPlan(sizes.height, in_clusters.height, members_dropped, shown)


def build_dedup(run: RunData, plan: DedupPlan | None = None) -> DedupView | None:
    """`plan` = plan_dedup(run) when the caller already made it (to fetch its rows with the others)."""
    plan = plan_dedup(run) if plan is None else plan
    if plan is None:
        return None
    run.prefetch(plan.ids)  # one scan for every shown cluster (none when the caller fetched them)
    clusters = []
    for c in plan.shown:
        members = c.members
        texts = dict(zip(c.ids, display_text(run.fetch(c.ids), "all_text"), strict=False))
        jaccards = (
            members["dup_jaccard"].to_list() if "dup_jaccard" in members.columns else [None] * members.height
        )
        clusters.append(
            ClusterView(
                cluster=c.cluster,
                size=c.size,
                kept=(c.kept_id, texts.get(c.kept_id)) if c.kept_id else None,
                members=[
                    (mid, jac, reason, texts.get(mid))
                    for mid, jac, reason in zip(
                        members["id"].to_list(), jaccards, members["drop_reason"].to_list(), strict=True
                    )
                ],
            )
        )
    return DedupView(plan.clusters_total, plan.rows_in_clusters, plan.members_dropped, clusters)


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
