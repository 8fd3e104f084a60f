"""report.html for a run folder: funnel, rules, per-rule detail, mixes, splits, duplicates, mappers, comparison.

    from winnow.reports import write_run_report
    write_run_report(Path("runs/zh"))                       # compares with runs/zh/previous/ if present
    write_run_report(Path("runs/zh"), compare=Path("runs/zh-old"))

Statistics come from rows.parquet (light columns; or the frame `winnow curate` just wrote) and stats.json;
each section is a view model in reports/views/ rendered to HTML; the page is written atomically next to the
data it describes.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from winnow.curation.atomic import atomic_open
from winnow.reports.compare import PREVIOUS, build_comparison, render_comparison
from winnow.reports.html import Page, clip, not_available, short_name, table, text
from winnow.reports.precision import load_precision, precision_note, run_settings
from winnow.reports.run_data import RunData, RunFolderError, load_run
from winnow.reports.views.dedup import build_dedup, plan_dedup, render_dedup
from winnow.reports.views.funnel import build_funnel, render_funnel
from winnow.reports.views.mappers import build_mappers, render_mappers
from winnow.reports.views.mix import render_mixes, render_split
from winnow.reports.views.rule_detail import build_rule_detail, example_ids, render_rule_detail
from winnow.reports.views.rules import build_rules, render_matrix, render_rules_table, stage_rules
from winnow.reports.views.selection import render_selection
from winnow.reports.views.stages import render_stages

QUARANTINE_SHOWN = 8


def _quarantine(run_dir: Path) -> str:
    path = run_dir / "quarantine.jsonl"
    if not path.exists():
        return not_available("Quarantined lines", f"{path.name} not found")
    rows: list[list[str]] = []
    total = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            total += 1
            if len(rows) >= QUARANTINE_SHOWN:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                entry = {"error": "unreadable quarantine entry", "snippet": line}
            rows.append(
                [
                    f"{text(entry.get('source'))}:{text(entry.get('line'))}",
                    text(entry.get("error")),
                    clip(None if entry.get("snippet") is None else str(entry.get("snippet")), 200),
                ]
            )
    if not total:
        return "<p>No line was quarantined.</p>"
    return f"<p>{total:,} lines quarantined; the first {len(rows)}:</p>" + table(
        ["where", "error", "snippet"], rows, cls="examples"
    )


def _comparison(run: RunData, compare: Path | None) -> str:
    previous = compare if compare is not None else run.run_dir / PREVIOUS
    if not (previous / "rows.parquet").exists():
        why = (
            f"{previous} has no rows.parquet"
            if compare is not None
            else "this is the first run in this folder (no previous/ snapshot)"
        )
        return render_comparison(None, why)
    try:
        return render_comparison(build_comparison(run, previous))
    except RunFolderError as error:
        return render_comparison(None, str(error))


def build_run_page(
    run_dir: Path,
    compare: Path | None = None,
    *,
    precision: Path | None = None,
    rows: pl.DataFrame | None = None,
) -> Page:
    """`precision`: a precision.json to read instead of the one shipped with the rules (tests); `rows`: the
    frame the run folder was written from (every row, every column), read instead of the files."""
    run = load_run(run_dir, rows)
    stats = run.stats
    inputs = ", ".join(short_name(i) for i in stats.get("inputs") or []) or "?"
    page = Page(
        title=f"winnow run report — {run_dir.name}",
        subtitle=f"inputs: {text(inputs)} · rules: {text(stats.get('rule_file') or '?')} · "
        f"{run.frame.height:,} rows accepted",
    )
    page.add("Funnel", render_funnel(build_funnel(stats, run.frame)), key="funnel")
    rules = build_rules(stats, run.frame)
    page.add("Rules", render_rules_table(rules), key="rules")
    page.add("Rule overlap", render_matrix(rules), key="overlap")
    every_rule = rules.rules + stage_rules(rules)  # the checks', then the language, dedup, … reasons
    # one scan of rows.parquet for every example row the page shows (each rule's, the duplicate clusters')
    ids = {r.name: example_ids(run, r) for r in every_rule}
    dedup = plan_dedup(run)
    run.prefetch([i for pair in ids.values() for group in pair for i in group] + (dedup.ids if dedup else []))
    measured, settings = load_precision(precision), run_settings(run_dir, stats)
    details = [
        render_rule_detail(
            build_rule_detail(run, r, ids[r.name], precision_note(r.name, r.action, measured, settings))
        )
        for r in every_rule
    ]
    page.add(
        "Each rule",
        "".join(details) or "<p>The rule file has no checks.</p>",
        key="rule-details",
        note="Red bars fail the rule; the dashed line is the threshold. Text is sampled and truncated.",
    )
    page.add("Language and task mix", render_mixes(run.frame), key="mix")
    page.add("Splits", render_split(run.frame), key="splits")
    if "select" in (stats.get("stages") or {}):  # a budgeted selection ran: what it chose and why
        page.add("Selection", render_selection(stats, run.text_rows()), key="selection")
    page.add("Near-duplicates", render_dedup(build_dedup(run, dedup)), key="dedup")
    page.add("Mappers", render_mappers(build_mappers(stats)), key="mappers")
    page.add("Compared with the previous run", _comparison(run, compare), key="compare")
    page.add(
        "Stage details", render_stages(stats), key="stages", note="What each stage reported about itself."
    )
    page.add("Quarantined lines", _quarantine(run_dir), key="quarantine")
    return page


def write_run_report(
    run_dir: Path,
    compare: Path | None = None,
    *,
    precision: Path | None = None,
    rows: pl.DataFrame | None = None,
) -> Path:
    """Write RUNDIR/report.html (atomically) and return its path. `rows`: the frame `winnow curate` just
    wrote the run folder from (CurateResult.frame), so the report does not read it back from the files."""
    run_dir = Path(run_dir)
    page = build_run_page(run_dir, None if compare is None else Path(compare), precision=precision, rows=rows)
    target = run_dir / "report.html"
    with atomic_open(target) as handle:
        handle.write(page.render())
    return target
