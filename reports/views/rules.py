"""Per-rule statistics: failed / dropped first / dropped only by it / flagged, and the overlap matrix.

Counts come from the rows (failed_rules, drop_reason, flagged_rules), not from stats.json, and are shown next
to what stats.json says: if the two disagree the table says so, because a report that hides a ledger bug
would be worse than none. "Marginal" = rows this rule dropped and no other dropping rule fails: what
relaxing this rule alone returns. "Flagged" = kept rows a rule with `action: flag` listed in flagged_rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import polars as pl

from winnow.reports.charts import heat
from winnow.reports.html import anchor, attr, fmt_number, num, pct, table, text
from winnow.reports.views.funnel import reason_stages

MATRIX_MAX_RULES = 16


@dataclass
class RuleCounts:
    name: str
    check: str
    stage: str
    field: str | None
    threshold: float | None
    direction: str | None
    metric_column: str | None
    params: dict[str, Any]
    failed: int
    dropped_first: int
    marginal: int
    stats_failed: int | None
    stats_dropped_first: int | None
    action: str = "drop"
    flagged: int = 0  # kept rows it flagged
    stats_flagged: int | None = None


@dataclass
class RulesView:
    rules: list[RuleCounts]
    accepted: int
    kept: int
    quarantined: int
    # reasons not in stats["rules"] (language, dedup, mix): failed, first, only, flagged (kept)
    other: dict[str, tuple[int, int, int, int]]
    matrix_names: list[str]
    matrix: list[list[int]]
    reason_stage: dict[str, str]
    flagged_kept: int = 0  # kept rows with at least one flag
    other_actions: dict[str, str] = dataclass_field(
        default_factory=dict
    )  # "flag" where a row lists it as flagged


def _contains(name: str, column: str = "failed_rules") -> pl.Expr:
    return pl.col(column).list.contains(pl.lit(name)).fill_null(False)


def _reason_counts(frame: pl.DataFrame) -> dict[str, tuple[int, int, int, int]]:
    """(failed, dropped first, dropped only by it, flagged kept rows) of every reason in the frame, from three
    group-bys over all rows (four expressions per rule, each a pass over every row, before)."""

    def per_reason(rows: pl.DataFrame, column: str) -> dict[str, int]:
        listed = rows.select(pl.col(column).list.unique().explode().drop_nulls().alias("reason"))
        return dict(listed.group_by("reason").len().iter_rows())

    kept = frame.select("drop_reason", "flagged_rules").filter(pl.col("drop_reason").is_null())
    failed, flagged = (
        per_reason(frame.select("failed_rules"), "failed_rules"),
        per_reason(kept, "flagged_rules"),
    )
    dropped = frame.select(
        "drop_reason",
        (pl.col("failed_rules").list.len() - pl.col("flagged_rules").list.len() == 1).alias("only"),
    ).filter(pl.col("drop_reason").is_not_null())
    first = {
        str(r): (int(n), int(m or 0))
        for r, n, m in dropped.group_by("drop_reason").agg(pl.len(), pl.col("only").sum()).iter_rows()
    }
    names = set(failed) | set(flagged) | set(first)
    return {name: (failed.get(name, 0), *first.get(name, (0, 0)), flagged.get(name, 0)) for name in names}


def build_rules(stats: dict[str, Any], frame: pl.DataFrame) -> RulesView:
    entries = list(stats.get("rules") or [])
    names = [r["name"] for r in entries]
    counts = _reason_counts(frame)
    totals: dict[str, int] = {}
    for i, name in enumerate(names):
        for key, n in zip("fdmg", counts.get(name, (0, 0, 0, 0)), strict=True):
            totals[f"{key}{i}"] = n
    rules = []
    for i, entry in enumerate(entries):
        metric_column = entry.get("metric_column")
        rules.append(
            RuleCounts(
                name=entry["name"],
                check=str(entry.get("check") or entry["name"]),
                stage=str(entry.get("stage") or "checks"),
                field=entry.get("field"),
                threshold=entry.get("threshold"),
                direction=entry.get("direction"),
                metric_column=metric_column if metric_column in frame.columns else None,
                params=dict(entry.get("params") or {}),
                failed=int(totals[f"f{i}"]),
                dropped_first=int(totals[f"d{i}"]),
                marginal=int(totals[f"m{i}"]),
                stats_failed=entry.get("failed"),
                stats_dropped_first=entry.get("dropped_first"),
                action=str(entry.get("action") or "drop"),
                flagged=int(totals[f"g{i}"]),
                stats_flagged=entry.get("flagged"),
            )
        )
    kept, flagged_kept = frame.select(
        pl.col("drop_reason").is_null().sum().alias("kept"),
        (pl.col("drop_reason").is_null() & (pl.col("flagged_rules").list.len() > 0)).sum().alias("flagged"),
    ).row(0)
    # every reason rows failed (rules, language, dedup, …), most frequent first
    failing = (
        frame.select(pl.col("failed_rules").explode().drop_nulls().alias("reason"))
        .group_by("reason")
        .len()
        .sort(["len", "reason"], descending=[True, False])
    )
    in_matrix = [str(name) for name in failing.head(MATRIX_MAX_RULES)["reason"].to_list()]
    first = (
        frame.select("drop_reason").filter(pl.col("drop_reason").is_not_null()).group_by("drop_reason").len()
    )
    other_names = [str(r) for r in failing["reason"].to_list() if r not in set(names)]
    other_names += sorted(
        str(r) for r, _ in first.iter_rows() if r not in set(names) and r not in other_names
    )
    other = {name: counts.get(name, (0, 0, 0, 0)) for name in other_names}
    flagging = set(
        frame.select(pl.col("flagged_rules").explode().drop_nulls().unique()).to_series().to_list()
    )
    matrix = overlap_matrix(frame, in_matrix)
    return RulesView(
        rules=rules,
        accepted=frame.height,
        kept=int(kept),
        quarantined=int(stats.get("quarantined") or 0),
        other=dict(sorted(other.items(), key=lambda x: (-x[1][1], x[0]))),
        matrix_names=in_matrix,
        matrix=matrix,
        reason_stage=reason_stages(stats),
        flagged_kept=int(flagged_kept),
        other_actions={name: "flag" if name in flagging else "drop" for name in other},
    )


def overlap_matrix(frame: pl.DataFrame, names: list[str]) -> list[list[int]]:
    """matrix[i][j] = rows failing both rule i and rule j (the diagonal is each rule's failures)."""
    if not names:
        return []
    flags = frame.select([_contains(n).alias(f"r{i}") for i, n in enumerate(names)])
    exprs = [
        (pl.col(f"r{i}") & pl.col(f"r{j}")).sum().alias(f"{i}_{j}")
        for i in range(len(names))
        for j in range(i, len(names))
    ]
    sums = flags.select(exprs).row(0, named=True)
    size = len(names)
    return [[int(sums[f"{min(i, j)}_{max(i, j)}"]) for j in range(size)] for i in range(size)]


def stage_rules(view: RulesView) -> list[RuleCounts]:
    """The reasons other stages record (language, dedup, …) as rules without a check, for their details."""
    return [
        RuleCounts(
            name=reason,
            check=reason,
            stage=view.reason_stage.get(reason, "other"),
            field=None,
            threshold=None,
            direction=None,
            metric_column=None,
            params={},
            failed=failed,
            dropped_first=first,
            marginal=only,
            stats_failed=None,
            stats_dropped_first=None,
            action=view.other_actions.get(reason, "drop"),
            flagged=flagged,
        )
        for reason, (failed, first, only, flagged) in view.other.items()
    ]


def _agree(value: int, stated: int | None) -> str:
    if stated is None or stated == value:
        return ""
    return f' <span class="na" title="stats.json says {stated:,}">(stats.json: {stated:,})</span>'


def render_rules_table(view: RulesView) -> str:
    rows = []
    for r in view.rules:
        threshold = "–" if r.threshold is None else f"{r.direction or ''} {fmt_number(r.threshold)}"
        rows.append(
            [
                f'<a href="#{anchor("rule-" + r.name)}">{text(r.name)}</a>',
                text(r.check),
                text(r.stage),
                text(r.field or "row"),
                text(threshold),
                text(r.action),
                num(r.failed, f"rule.{r.name}.failed")[:-5] + _agree(r.failed, r.stats_failed) + "</td>",
                num(r.dropped_first, f"rule.{r.name}.dropped_first")[:-5]
                + _agree(r.dropped_first, r.stats_dropped_first)
                + "</td>",
                num(r.marginal, f"rule.{r.name}.marginal"),
                num(r.flagged, f"rule.{r.name}.flagged")[:-5] + _agree(r.flagged, r.stats_flagged) + "</td>",
                pct(r.dropped_first, view.accepted),
            ]
        )
    for reason, (failed, first, only, flagged) in view.other.items():
        other_cells = [
            text(view.other_actions.get(reason, "drop")),
            num(failed, f"other.{reason}.failed"),
            num(first, f"other.{reason}.dropped_first"),
            num(only, f"other.{reason}.marginal"),
            num(flagged, f"other.{reason}.flagged"),
            pct(first, view.accepted),
        ]
        rows.append([text(reason), "–", text(view.reason_stage.get(reason, "other")), "–", "–", *other_cells])

    def total_row(label: str, value: int, stat: str, flagged: str = num(None)) -> list[str]:
        return [label, "", "", "", "", "", num(None), num(value, stat), num(None), flagged, ""]

    rows.append(
        total_row("<b>kept</b>", view.kept, "rules.kept", num(view.flagged_kept, "rules.flagged_kept"))
    )
    rows.append(total_row("<b>quarantined</b>", view.quarantined, "rules.quarantined"))
    total = (
        view.kept
        + view.quarantined
        + sum(r.dropped_first for r in view.rules)
        + sum(counts[1] for counts in view.other.values())
    )
    rows.append(total_row("<b>total = rows read</b>", total, "rules.total"))
    return (
        table(
            [
                "rule",
                "check",
                "stage",
                "field",
                "threshold",
                "action",
                "failed",
                "dropped (first reason)",
                "dropped only by it",
                "flagged (kept)",
                "of accepted",
            ],
            rows,
        )
        + '<p class="note"><b>failed</b>: rows the rule fails (a row can fail several rules); '
        "<b>dropped (first reason)</b>: rows whose first failure it is, so these add up with kept and "
        "quarantined to the rows read; <b>dropped only by it</b>: rows no other dropping rule fails — what "
        "relaxing this rule alone would bring back; <b>flagged (kept)</b>: kept rows a rule with "
        "<code>action: flag</code> lists in their <code>flagged_rules</code> (counted inside kept).</p>"
    )


def render_matrix(view: RulesView) -> str:
    if not view.matrix_names:
        return "<p>No rule failed any row, so there is no overlap to show.</p>"
    peak = max(max(row) for row in view.matrix) or 1
    header = [""] + [f'<span title="{attr(n)}">{i + 1}</span>' for i, n in enumerate(view.matrix_names)]
    rows = []
    for i, name in enumerate(view.matrix_names):
        cells = [f"{i + 1}. {text(name)}"]
        for j, value in enumerate(view.matrix[i]):
            stat = f"overlap.{name}.{view.matrix_names[j]}"
            cells.append(
                f'<td class="num" style="{heat(value, peak)}" data-stat="{attr(stat)}" data-value="{value}" '
                f'title="{attr(name)} ∧ {attr(view.matrix_names[j])}">{value:,}</td>'
            )
        rows.append(cells)
    return table(header, rows, cls="matrix") + (
        '<p class="note">Rows failing both the row rule and the column rule; the diagonal is each rule\'s '
        "failures. A large off-diagonal cell means two rules catch the same rows.</p>"
    )
