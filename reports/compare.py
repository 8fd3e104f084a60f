"""Comparison with a previous run: per rule, rows newly dropped and rows restored, with examples.

`winnow curate` calls `snapshot_previous(run_dir)` before it overwrites a run folder, so RUNDIR/previous/
holds the last run's rows.parquet and stats.json; the report then compares automatically. `--compare
RUNDIR` points at any other run folder instead. Rows are matched by `id` (stable across runs by contract).

    newly dropped by r   kept before, dropped now with first reason r
    restored from r      dropped before with first reason r, kept now
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from winnow.reports.html import attr, clip, fmt_number, not_available, num, table, text, where
from winnow.reports.run_data import RunData, display_text, load_run

PREVIOUS = "previous"
SNAPSHOT_FILES = ("rows.parquet", "stats.json", "rules.resolved.yaml")
EXAMPLES = 3
OPEN_EXAMPLES = 2  # the first rules' examples are shown open; the rest one click away


def snapshot_previous(run_dir: str | os.PathLike[str]) -> Path | None:
    """Keep the run now in `run_dir` as `run_dir/previous/` (replacing an older snapshot); None if no run.

    Copied into a temporary folder first and renamed into place, so a killed run never leaves a half
    snapshot that the next report would trust.
    """
    run = Path(run_dir)
    if not (run / "rows.parquet").exists() or not (run / "stats.json").exists():
        return None
    target = run / PREVIOUS
    staging = Path(tempfile.mkdtemp(prefix=".previous.", dir=run))
    try:
        for name in SNAPSHOT_FILES:
            if (run / name).exists():
                shutil.copy2(run / name, staging / name)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=".previous-old.", dir=run))
            os.replace(target, old / PREVIOUS)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


@dataclass(frozen=True)
class Changed:
    """A row a rule newly drops or restores: named by file:line like every other example (its id on hover)."""

    row_id: str
    source: str | None
    line: int | None
    text: str | None

    def place(self) -> str:
        if self.source is None:
            return text(self.row_id)
        return f'<span title="id {attr(self.row_id)}">{where(self.source, self.line)}</span>'


@dataclass
class RuleChange:
    reason: str
    newly_dropped: int
    restored: int
    threshold_before: Any = None
    threshold_now: Any = None
    params_before: dict[str, Any] | None = None
    params_now: dict[str, Any] | None = None
    newly_examples: list[Changed] = field(default_factory=list)
    restored_examples: list[Changed] = field(default_factory=list)


@dataclass
class ComparisonView:
    previous_dir: Path
    kept_before: int
    kept_now: int
    only_before: int
    only_now: int
    changes: list[RuleChange]
    reason_switched: int


def _rules_by_name(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in stats.get("rules") or [] if "name" in r}


def build_comparison(run: RunData, previous_dir: Path) -> ComparisonView:
    previous = load_run(previous_dir, only=("id", "drop_reason"))
    now = run.frame.select("id", pl.col("drop_reason").alias("now"))
    before = previous.frame.select("id", pl.col("drop_reason").alias("before"))
    if now["id"].equals(before["id"]):  # the same rows in the same order (a re-run on the same inputs)
        joined = now.with_columns(before["before"])
    else:
        joined = now.join(before, on="id", how="inner")
    only_now = now.height - joined.height
    only_before = before.height - joined.height
    newly = joined.filter(pl.col("before").is_null() & pl.col("now").is_not_null())
    restored = joined.filter(pl.col("before").is_not_null() & pl.col("now").is_null())
    switched = joined.filter(
        pl.col("before").is_not_null() & pl.col("now").is_not_null() & (pl.col("before") != pl.col("now"))
    ).height
    rules_now, rules_before = _rules_by_name(run.stats), _rules_by_name(previous.stats)
    reasons = list(
        dict.fromkeys([*rules_now, *rules_before, *newly["now"].to_list(), *restored["before"].to_list()])
    )
    changes = []
    for reason in reasons:
        new_ids = newly.filter(pl.col("now") == reason)["id"].sort()
        back_ids = restored.filter(pl.col("before") == reason)["id"].sort()
        r_now, r_before = rules_now.get(reason, {}), rules_before.get(reason, {})
        change = RuleChange(
            reason,
            new_ids.len(),
            back_ids.len(),
            r_before.get("threshold"),
            r_now.get("threshold"),
            r_before.get("params"),
            r_now.get("params"),
        )
        if change.newly_dropped == 0 and change.restored == 0 and change.params_before == change.params_now:
            continue
        change.newly_examples = _texts(run, new_ids.head(EXAMPLES).to_list())
        change.restored_examples = _texts(run, back_ids.head(EXAMPLES).to_list())
        changes.append(change)
    kept_before = int(before["before"].is_null().sum())
    kept_now = int(now["now"].is_null().sum())
    return ComparisonView(previous_dir, kept_before, kept_now, only_before, only_now, changes, switched)


def _texts(run: RunData, ids: list[str]) -> list[Changed]:
    rows = run.fetch(ids)
    sources = rows["source"].to_list() if "source" in rows.columns else [None] * rows.height
    lines = rows["line"].to_list() if "line" in rows.columns else [None] * rows.height
    return [
        Changed(row_id, source, line, shown)
        for row_id, source, line, shown in zip(
            rows["id"].to_list(), sources, lines, display_text(rows, "all_text"), strict=True
        )
    ]


def render_comparison(view: ComparisonView | None, why_missing: str = "") -> str:
    if view is None:
        return not_available("Comparison with a previous run", why_missing or "no previous run")
    summary = table(
        ["", "previous", "now"],
        [
            [
                "kept rows",
                num(view.kept_before, "compare.kept_before"),
                num(view.kept_now, "compare.kept_now"),
            ],
            ["rows only in this run", num(None), num(view.only_now, "compare.only_now")],
            ["rows only in the previous run", num(view.only_before, "compare.only_before"), num(None)],
        ],
    )
    note = (
        f'<p class="note">Compared with {text(view.previous_dir)}; {view.reason_switched:,} rows dropped in both '
        "runs changed their first reason.</p>"
    )
    if not view.changes:
        return summary + note + "<p>No rule drops or restores a different row than last time.</p>"
    rows = []
    for c in view.changes:
        setting = ""
        if c.params_before != c.params_now:
            setting = f"{fmt_number(c.threshold_before)} → {fmt_number(c.threshold_now)}"
            if c.threshold_before == c.threshold_now:
                setting = f"{c.params_before} → {c.params_now}"
        rows.append(
            [
                text(c.reason),
                text(setting),
                num(c.newly_dropped, f"compare.{c.reason}.newly_dropped"),
                num(c.restored, f"compare.{c.reason}.restored"),
            ]
        )
    parts = [summary, note, table(["rule", "setting changed", "newly dropped", "restored"], rows)]
    for i, c in enumerate(view.changes):
        ex = [
            ['<td class="dropped">newly dropped</td>', r.place(), clip(r.text, 300)] for r in c.newly_examples
        ]
        ex += [['<td class="kept">restored</td>', r.place(), clip(r.text, 300)] for r in c.restored_examples]
        if ex:
            parts.append(
                f"<details{' open' if i < OPEN_EXAMPLES else ''}><summary>{text(c.reason)}: examples</summary>"
                + table(["change", "row", "text"], ex, cls="examples")
                + "</details>"
            )
    return "".join(parts)
