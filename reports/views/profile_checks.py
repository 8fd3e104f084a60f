"""Profile sections that look ahead at curation: every check of a rule file (the default one unless
--rules) with its metric distribution, where the threshold falls and how many rows it would drop; and the
exact / near-duplicate estimate.

Checks run through the checks stage's own `run_checks` (same metrics, same failures as `winnow curate`)
over every row, with no metric cache directory so profiling writes nothing.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from winnow.curation.record import field_expr
from winnow.reports.binning import Measured, histogram, nearby_thresholds, unmeasured_note
from winnow.reports.charts import histogram_svg
from winnow.reports.html import fmt_number, not_available, num, pct, table, text

NEAR_SAMPLE = 20_000


def default_rule_file() -> Path:
    return Path(str(importlib.resources.files("winnow.rules") / "default.yaml"))


@dataclass
class CheckOutcome:
    name: str
    field: str | None
    threshold: float | None
    direction: str | None
    fails: int
    metric: pl.Series | None
    action: str = "drop"


def evaluate_checks(records: pl.DataFrame, rules: Path) -> tuple[list[CheckOutcome], int]:
    """Run the rule file's checks exactly as the checks stage does; each rule's failures and metric."""
    from winnow.curation.cache import MetricCache
    from winnow.curation.checks.section import ChecksConfig
    from winnow.curation.checks.stage import run_checks
    from winnow.curation.rulefile.load import load_rule_file

    config = load_rule_file(rules).sections.get("checks")
    if not isinstance(config, ChecksConfig):
        return [], 0
    frame, stats = run_checks(records, config, MetricCache(None))  # no cache dir: nothing written
    outcomes = [
        CheckOutcome(
            name=entry["name"],
            field=entry.get("field"),
            threshold=entry.get("threshold"),
            direction=entry.get("direction"),
            fails=int(entry["failed"]),
            metric=frame[entry["metric_column"]] if entry.get("metric_column") in frame.columns else None,
            action=str(entry.get("action") or "drop"),
        )
        for entry in stats["rules"]
    ]
    any_fail = int((frame["failed_rules"].list.len() > 0).sum())
    return outcomes, any_fail


def render_checks(records: pl.DataFrame, rules: Path | None) -> str:
    path = rules or default_rule_file()
    try:
        outcomes, any_fail = evaluate_checks(records, path)
    except ModuleNotFoundError as error:
        return not_available("Checks preview", f"the checks stage is not installed ({error.name})")
    total = records.height
    rows = [
        [
            text(o.name),
            text(o.field or "row"),
            text("–" if o.threshold is None else f"{o.direction} {fmt_number(o.threshold)}"),
            text(o.action),
            num(o.fails, f"profile.check.{o.name}.fails"),
            pct(o.fails, total),
        ]
        for o in outcomes
    ]
    parts = [
        f'<p class="note">Rule file {text(path)}, run by the checks stage. Counts are rows each check fails on '
        "its own, before any other rule removes anything.</p>",
        table(["rule", "field", "threshold", "action", "rows it would drop or flag", "share"], rows)
        if rows
        else "<p>The rule file has no checks.</p>",
        f"<p>Rows failing at least one check: {num(any_fail, 'profile.checks.any', tag='b')} "
        f"({pct(any_fail, total)})</p>",
    ]
    # the two checks that would drop most are opened: the ones a person looks at first
    opened = {o.name for o in sorted(outcomes, key=lambda o: -o.fails)[:2] if o.fails}
    for o in outcomes:
        if o.metric is None or o.metric.drop_nulls().is_empty():
            continue
        measured = Measured.of(o.metric)  # sorted once for the histogram, the what-if rows and the note
        hist = histogram(measured, threshold=o.threshold)
        chart = histogram_svg(
            hist,
            threshold=o.threshold,
            direction=o.direction,
            x_label=o.name + (" (count per row)" if hist.discrete else ""),
            width=420,
        )
        nearby = ""
        if o.threshold is not None and o.direction in ("max", "min"):
            side = ">" if o.direction == "max" else "<"
            nearby = table(
                ["threshold", "value", f"rows {side} it"],
                [
                    [text(n.label), num(n.threshold), num(n.fails)]
                    for n in nearby_thresholds(measured, o.threshold, o.direction)
                ],
            )
            left_out = unmeasured_note(measured, o.direction)
            nearby += f'<p class="note">{text(left_out)}</p>' if left_out else ""
        parts.append(
            f"<details{' open' if o.name in opened else ''}><summary>{text(o.name)} — "
            f"{o.fails:,} rows would be {'flagged' if o.action == 'flag' else 'dropped'}</summary>"
            f'<div class="grid"><div>{chart}</div><div>{nearby}</div></div></details>'
        )
    return "".join(parts)


def render_duplicates(records: pl.DataFrame, seed: int = 0) -> str:
    try:
        from winnow.curation.dedup.clusters import components
        from winnow.curation.dedup.config import NearConfig
        from winnow.curation.dedup.near import near_duplicates
        from winnow.curation.dedup.normalize import key_expr, normalized
    except ModuleNotFoundError as error:
        return _exact_only(records, f"the dedup stage is not installed ({error.name})")
    rows = []
    for key in ("instruction_input", "conversation"):
        keys = records.select(normalized(key_expr(key)).alias("k"))["k"].drop_nulls()
        dup = keys.len() - keys.n_unique()
        rows.append([text(key), num(keys.len()), num(dup, f"profile.exact.{key}"), pct(dup, records.height)])
    out = "<h3>Exact duplicates (normalized text)</h3>" + table(
        ["key", "rows with the key", "repeats beyond the first", "share"], rows
    )
    if records.height < 2:
        return out + "<p>Fewer than two rows: no near-duplicates possible.</p>"
    sample = records.sample(min(NEAR_SAMPLE, records.height), seed=seed)
    texts = sample.select(key_expr("instruction_input").alias("t"))["t"].fill_null("")
    config = NearConfig()
    result = near_duplicates(texts, config, workers=1)
    labels = components(texts.len(), result.pairs["a"].to_numpy(), result.pairs["b"].to_numpy())
    sizes = np.bincount(labels, minlength=texts.len())
    clusters = int((sizes > 1).sum())
    removable = int(sizes[sizes > 1].sum()) - clusters
    scope = "every row" if sample.height == records.height else f"a seeded sample of {sample.height:,} rows"
    out += (
        f"<h3>Near-duplicates (MinHash, Jaccard ≥ {config.threshold:g} on instruction + input)</h3>"
        + table(
            ["pairs", "clusters", "rows a keep-one policy would drop", "share"],
            [
                [
                    num(result.pairs.height, "profile.near.pairs"),
                    num(clusters, "profile.near.clusters"),
                    num(removable, "profile.near.removable"),
                    pct(removable, sample.height),
                ]
            ],
        )
        + f'<p class="note">Estimated on {scope}; exact duplicates are included (Jaccard 1).</p>'
    )
    return out


def _exact_only(records: pl.DataFrame, why: str) -> str:
    keys = records.select(field_expr("all_text").alias("k"))["k"].drop_nulls()
    dup = keys.len() - keys.n_unique()
    return table(
        ["key", "repeats beyond the first"], [["all text (exact)", num(dup, "profile.exact.all_text")]]
    ) + not_available("Near-duplicate estimate", why)
