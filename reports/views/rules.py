"""Per-rule statistics: failed / dropped first / dropped only by it, and the overlap matrix between rules.

Counts come from the rows (failed_rules, drop_reason), not from stats.json, and are shown next to what
stats.json says: if the two disagree the table says so, because a report that hides a ledger bug would be
worse than none. "Marginal" = rows whose only failure is this rule: what relaxing this rule alone returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from reports.charts import heat
from reports.html import anchor, attr, fmt_number, num, pct, table, text
from reports.views.funnel import reason_stages

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


@dataclass
class RulesView:
    rules: list[RuleCounts]
    accepted: int
    kept: int
    quarantined: int
    other: dict[
        str, tuple[int, int, int]
    ]  # reasons not in stats["rules"] (language, dedup, mix): failed, first, only
    matrix_names: list[str]
    matrix: list[list[int]]
    reason_stage: dict[str, str]


def _contains(name: str) -> pl.Expr:
    return pl.col("failed_rules").list.contains(pl.lit(name)).fill_null(False)


def build_rules(stats: dict[str, Any], frame: pl.DataFrame) -> RulesView:
    entries = list(stats.get("rules") or [])
    names = [r["name"] for r in entries]
    exprs: list[pl.Expr] = []
    for i, name in enumerate(names):
        only = (pl.col("failed_rules").list.len() == 1) & _contains(name)
        exprs += [
            _contains(name).sum().alias(f"f{i}"),
            (pl.col("drop_reason") == name).fill_null(False).sum().alias(f"d{i}"),
            only.sum().alias(f"m{i}"),
        ]
    totals = frame.select(exprs).row(0, named=True) if exprs else {}
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
            )
        )
    kept = int(frame.select(pl.col("drop_reason").is_null().sum()).item())
    # every reason rows failed (rules, language, dedup, …), most frequent first
    failing = (
        frame.select(pl.col("failed_rules").explode().drop_nulls().alias("reason"))
        .group_by("reason")
        .len()
        .sort(["len", "reason"], descending=[True, False])
    )
    in_matrix = [str(name) for name in failing.head(MATRIX_MAX_RULES)["reason"].to_list()]
    first = frame.filter(pl.col("drop_reason").is_not_null()).group_by("drop_reason").len()
    other_names = [str(r) for r in failing["reason"].to_list() if r not in set(names)]
    other_names += sorted(
        str(r) for r, _ in first.iter_rows() if r not in set(names) and r not in other_names
    )
    other = {name: _counts(frame, name) for name in other_names}
    matrix = overlap_matrix(frame, in_matrix)
    return RulesView(
        rules=rules,
        accepted=frame.height,
        kept=kept,
        quarantined=int(stats.get("quarantined") or 0),
        other=dict(sorted(other.items(), key=lambda x: (-x[1][1], x[0]))),
        matrix_names=in_matrix,
        matrix=matrix,
        reason_stage=reason_stages(stats),
    )


def _counts(frame: pl.DataFrame, name: str) -> tuple[int, int, int]:
    """(failed, dropped first, dropped only by it) for one reason."""
    row = frame.select(
        _contains(name).sum().alias("f"),
        (pl.col("drop_reason") == name).fill_null(False).sum().alias("d"),
        ((pl.col("failed_rules").list.len() == 1) & _contains(name)).sum().alias("m"),
    ).row(0)
    return int(row[0]), int(row[1]), int(row[2])


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
                num(r.failed, f"rule.{r.name}.failed")[:-5] + _agree(r.failed, r.stats_failed) + "</td>",
                num(r.dropped_first, f"rule.{r.name}.dropped_first")[:-5]
                + _agree(r.dropped_first, r.stats_dropped_first)
                + "</td>",
                num(r.marginal, f"rule.{r.name}.marginal"),
                pct(r.dropped_first, view.accepted),
            ]
        )
    for reason, (failed, first, only) in view.other.items():
        other_cells = [
            num(failed, f"other.{reason}.failed"),
            num(first, f"other.{reason}.dropped_first"),
            num(only, f"other.{reason}.marginal"),
            pct(first, view.accepted),
        ]
        rows.append([text(reason), "–", text(view.reason_stage.get(reason, "other")), "–", "–", *other_cells])
    rows.append(["<b>kept</b>", "", "", "", "", num(None), num(view.kept, "rules.kept"), num(None), ""])
    rows.append(
        [
            "<b>quarantined</b>",
            "",
            "",
            "",
            "",
            num(None),
            num(view.quarantined, "rules.quarantined"),
            num(None),
            "",
        ]
    )
    total = (
        view.kept
        + view.quarantined
        + sum(r.dropped_first for r in view.rules)
        + sum(first for _, first, _ in view.other.values())
    )
    rows.append(
        ["<b>total = rows read</b>", "", "", "", "", num(None), num(total, "rules.total"), num(None), ""]
    )
    return (
        table(
            [
                "rule",
                "check",
                "stage",
                "field",
                "threshold",
                "failed",
                "dropped (first reason)",
                "dropped only by it",
                "of accepted",
            ],
            rows,
        )
        + '<p class="note"><b>failed</b>: rows the rule fails (a row can fail several rules); '
        "<b>dropped (first reason)</b>: rows whose first failure it is, so these add up with kept and "
        "quarantined to the rows read; <b>dropped only by it</b>: rows no other rule fails — what relaxing "
        "this rule alone would bring back.</p>"
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
