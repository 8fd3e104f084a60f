"""Profile sections that look ahead at curation: every check of a rule file (the default one unless
--rules) with its metric distribution, where the threshold falls and how many rows it would drop; and the
exact / near-duplicate estimate.

Checks are built from the check registry (the single source of truth for what a check computes) with the
rule file's fields and params, and evaluated in one Polars pass over every row.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from curate.checks.registry import registered_checks
from curate.errors import ConfigError, UsageError
from curate.record import field_expr
from reports.binning import histogram, nearby_thresholds
from reports.charts import histogram_svg
from reports.html import fmt_number, not_available, num, pct, table, text

NEAR_SAMPLE = 20_000


def default_rule_file() -> Path:
    return Path(str(importlib.resources.files("rules") / "default.yaml"))


def rule_checks(rules: Path) -> tuple[list[dict[str, Any]], str]:
    """The `checks` entries of a rule file (extends applied) and a note on how it was validated."""
    from curate.rulefile.load import load_rule_file, read_merged
    from curate.rulefile.problems import Problems

    try:
        raw = load_rule_file(rules).raw
        note = "validated"
    except ConfigError as error:
        # a section parser another stage provides may be missing; read the file, then check each entry
        problems = Problems(str(rules))
        merged = read_merged(rules, problems)
        if merged is None:
            raise
        raw = merged
        note = f"not fully validated ({len(error.problems)} problem(s) outside `checks`)"
    entries = raw.get("checks") or []
    if not isinstance(entries, list):
        raise UsageError(f"{rules}: `checks` must be a list")
    return [e if isinstance(e, dict) else {"check": str(e)} for e in entries], note


@dataclass
class CheckOutcome:
    name: str
    check: str
    field: str | None
    threshold: float | None
    direction: str | None
    fails: int
    metric: pl.Series | None
    problem: str = ""


def evaluate_checks(records: pl.DataFrame, entries: list[dict[str, Any]]) -> tuple[list[CheckOutcome], int]:
    """Each entry's fail count and metric over every row, and the rows any check fails."""
    specs = registered_checks()
    outcomes: list[CheckOutcome] = []
    exprs: list[pl.Expr] = []
    for i, entry in enumerate(entries):
        name = str(entry.get("name") or entry.get("check"))
        check_name, field_name = str(entry.get("check")), entry.get("field")
        spec = specs.get(check_name)
        outcome = CheckOutcome(name, check_name, field_name, None, None, 0, None)
        outcomes.append(outcome)
        if spec is None:
            outcome.problem = "unknown check"
            continue
        if spec.scope == "text" and field_name in (None, "messages"):
            outcome.problem = "evaluated per message by `winnow curate` only"
            continue
        try:
            text_expr = field_expr(str(field_name)) if spec.scope == "text" else None
            built = spec.build(text_expr, entry.get("params") or {})
        except (TypeError, ValueError) as error:
            outcome.problem = f"bad params: {error}"
            continue
        outcome.threshold, outcome.direction = built.threshold, built.direction
        exprs.append(built.fails.fill_null(False).alias(f"f{i}"))
        if built.metric is not None:
            exprs.append(built.metric.cast(pl.Float64).alias(f"m{i}"))
    if not exprs:
        return outcomes, 0
    values = records.select(exprs)
    fail_cols = [c for c in values.columns if c.startswith("f")]
    for i, outcome in enumerate(outcomes):
        if f"f{i}" in values.columns:
            outcome.fails = int(values[f"f{i}"].sum())
        if f"m{i}" in values.columns:
            outcome.metric = values[f"m{i}"]
    any_fail = int(values.select(pl.any_horizontal(fail_cols)).to_series().sum())
    return outcomes, any_fail


def render_checks(records: pl.DataFrame, rules: Path | None) -> str:
    path = rules or default_rule_file()
    entries, note = rule_checks(path)
    outcomes, any_fail = evaluate_checks(records, entries)
    total = records.height
    rows = [
        [
            text(o.name),
            text(o.field or "row"),
            text("–" if o.threshold is None else f"{o.direction} {fmt_number(o.threshold)}"),
            num(None if o.problem else o.fails, f"profile.check.{o.name}.fails"),
            pct(o.fails, total) if not o.problem else text(o.problem),
        ]
        for o in outcomes
    ]
    parts = [
        f'<p class="note">Rule file {text(path)} ({text(note)}). Counts are rows each check fails on its own, '
        "before any other rule removes anything.</p>",
        table(["rule", "field", "threshold", "rows it would drop", "share"], rows),
        f"<p>Rows failing at least one check: {num(any_fail, 'profile.checks.any', tag='b')} ({pct(any_fail, total)})</p>",
    ]
    for o in outcomes:
        if o.metric is None or o.metric.drop_nulls().is_empty():
            continue
        chart = histogram_svg(
            histogram(o.metric, threshold=o.threshold),
            threshold=o.threshold,
            direction=o.direction,
            x_label=o.name,
            width=420,
        )
        nearby = ""
        if o.threshold is not None and o.direction in ("max", "min"):
            side = ">" if o.direction == "max" else "<"
            nearby = table(
                ["threshold", "value", f"rows {side} it"],
                [
                    [text(n.label), num(n.threshold), num(n.fails)]
                    for n in nearby_thresholds(o.metric, o.threshold, o.direction)
                ],
            )
        parts.append(
            f"<details><summary>{text(o.name)} — {o.fails:,} rows would be dropped</summary>"
            f'<div class="grid"><div>{chart}</div><div>{nearby}</div></div></details>'
        )
    return "".join(parts)


def render_duplicates(records: pl.DataFrame, seed: int = 0) -> str:
    try:
        from curate.dedup.clusters import components
        from curate.dedup.config import NearConfig
        from curate.dedup.near import near_duplicates
        from curate.dedup.normalize import key_expr, normalized
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
    sample = records.sample(min(NEAR_SAMPLE, records.height), seed=seed) if records.height else records
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
