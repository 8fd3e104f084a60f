"""Budgeted selection (the `select` stage): what was chosen, by which metric, why the rest was not, and the
budget curve (the metric of the last row chosen as 10%, 20%, ... of the budget filled up).

Reads the stage's own stats (stats["stages"]["select"]) and the rows' `select_rank` / `select_note`
columns (a frame, or a lazy scan of rows.parquet: only the rows shown are read with their text); a run
without a `select` section gets a one-line note. Corpus text is escaped and clipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from winnow.curation.record import field_expr
from winnow.reports.html import clip, fmt_number, num, table, text, where

SHOWN = 10  # rows listed as the first chosen, and per reason not chosen
PROMPT_CHARS = 140


def render_selection(stats: dict[str, Any], rows: pl.DataFrame | pl.LazyFrame) -> str:
    select = (stats.get("stages") or {}).get("select")
    frame = rows.lazy()
    if not isinstance(select, dict) or "select_rank" not in frame.collect_schema().names():
        return '<p class="note">No <code>select</code> section in this rule file: every kept row is used.</p>'
    by = str(select.get("by"))
    summary = table(
        ["by", "order", "budget", "candidates", "chosen", "diversity", "per task"],
        [
            [
                text(by),
                text(select.get("order")),
                num(select.get("budget"), "select_budget"),
                num(select.get("candidates"), "select_candidates"),
                num(select.get("chosen"), "select_chosen"),
                text(fmt_number(select.get("diversity"))),
                text(select.get("per_task")),
            ]
        ],
    )
    parts = [summary, _not_chosen(select), _curve(select, by), _chosen_rows(frame, by), _left_out(frame, by)]
    return "".join(parts)


def _not_chosen(select: dict[str, Any]) -> str:
    reasons = select.get("not_chosen") or {}
    if not reasons:
        return ""
    rows = [[text(reason), num(count, f"not_chosen:{reason}")] for reason, count in reasons.items()]
    return "<h3>Not chosen, by reason</h3>" + table(["reason", "rows"], rows)


def _curve(select: dict[str, Any], by: str) -> str:
    curve = select.get("metric_at_budget_share") or {}
    if not curve:
        return ""
    rows = [[text(share), num(value, f"curve:{share}", digits=4)] for share, value in curve.items()]
    return (
        f"<h3>Budget curve</h3><p class='note'>{text(by)} of the last row chosen when each share of the budget "
        "was filled: where it bends, a smaller budget would lose little.</p>"
        + table(["budget filled", by], rows)
    )


def _rows(frame: pl.LazyFrame, by: str) -> pl.DataFrame:
    metric = pl.col(by) if by in frame.collect_schema().names() else pl.lit(None, pl.Float64)
    return frame.select(
        "select_rank", "select_note", "source", "line", metric.alias("__metric"), field_expr("instruction")
    ).collect()


def _chosen_rows(frame: pl.LazyFrame, by: str) -> str:
    first = _rows(frame.filter(pl.col("select_rank").is_not_null()).sort("select_rank").head(SHOWN), by)
    return _listed("Chosen first", "rank", lambda r: num(r["select_rank"]), first, by)


def _left_out(frame: pl.LazyFrame, by: str) -> str:
    reason = pl.col("select_note").str.split(" ").list.first().alias("__reason")
    left = frame.filter(pl.col("select_note").is_not_null()).with_columns(reason)
    sample = _rows(left.group_by("__reason", maintain_order=True).head(3).head(SHOWN), by)
    return _listed("Not chosen (a few of each reason)", "why", lambda r: text(r["select_note"]), sample, by)


def _listed(
    title: str, first: str, first_cell: Callable[[dict[str, Any]], str], rows: pl.DataFrame, by: str
) -> str:
    """A titled table of `rows` (from `_rows`): `first_cell`, the metric, file:line, the prompt clipped."""
    if rows.height == 0:
        return ""
    cells = [
        [
            first_cell(r),
            num(r["__metric"], digits=4),
            where(r["source"], r["line"]),
            clip(r["instruction"], PROMPT_CHARS),
        ]
        for r in rows.iter_rows(named=True)
    ]
    return f"<h3>{text(title)}</h3>" + table([first, text(by), "row", "prompt"], cells)
