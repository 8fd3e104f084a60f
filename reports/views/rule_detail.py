"""One rule in detail: metric histogram with the threshold, drop counts at nearby thresholds, examples,
and the rule's measured precision (winnow.reports.precision).

Examples are sampled (a fixed seed, so two reports of the same run agree): rows this rule dropped first (or,
for a rule with `action: flag`, kept rows it flagged), with the offending span highlighted when the checks
stage recorded one (`check_spans`), next to kept rows whose metric lies just on the passing side of the
threshold — the rows a slightly stricter threshold would take.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from winnow.reports.binning import Measured, Nearby, histogram, nearby_thresholds, unmeasured_note
from winnow.reports.charts import Histogram, histogram_svg
from winnow.reports.html import anchor, clip, fmt_number, num, table, text, where
from winnow.reports.run_data import RunData, display_text
from winnow.reports.views.rules import RuleCounts

DROPPED_EXAMPLES = 4
BORDER_EXAMPLES = 3
SEED = 0


@dataclass
class Example:
    row_id: str
    source: str | None
    line: int | None
    metric: float | None
    shown: str | None
    span: str | None
    failed_rules: list[str] = field(default_factory=list)


@dataclass
class RuleDetail:
    rule: RuleCounts
    hist: Histogram | None
    nearby: list[Nearby]
    dropped: list[Example]
    border: list[Example]
    metric_rows: int = 0
    flagged: list[Example] = field(default_factory=list)
    precision: str = ""  # HTML paragraph (winnow.reports.precision.precision_note)
    nearby_note: str = ""  # the percentiles the what-if table leaves out (binning.unmeasured_note)


def _spans(rows: pl.DataFrame, name: str) -> list[str | None]:
    """The offending span per row: the checks stage's `check_spans` entry for this rule (or `span.<rule>`)."""
    if "check_spans" in rows.columns:
        found = []
        for entries in rows["check_spans"].to_list():
            match = [e["span"] for e in entries or [] if e.get("rule") == name and e.get("span")]
            found.append(match[0] if match else None)
        return found
    column = f"span.{name}"
    return rows[column].to_list() if column in rows.columns else [None] * rows.height


def _examples(run: RunData, ids: list[str], rule: RuleCounts) -> list[Example]:
    rows = run.fetch(ids)
    shown = display_text(rows, rule.field)
    spans = _spans(rows, rule.name)
    metrics = rows[rule.metric_column].to_list() if rule.metric_column else [None] * rows.height
    return [
        Example(
            row_id=row["id"],
            source=row.get("source"),
            line=row.get("line"),
            metric=metrics[i],
            shown=shown[i],
            span=spans[i],
            failed_rules=list(row.get("failed_rules") or []),
        )
        for i, row in enumerate(rows.iter_rows(named=True))
    ]


def example_ids(run: RunData, rule: RuleCounts) -> tuple[list[str], list[str]]:
    """(sampled rows this rule dropped first, or kept rows it flagged; kept rows nearest the threshold on
    the passing side)."""
    frame = run.frame  # filtered through the few columns needed (the sample depends on row order only)
    mine = run.flagged_by(rule.name) if rule.action == "flag" else run.dropped_by(rule.name)
    sample = mine.sample(min(DROPPED_EXAMPLES, mine.height), seed=SEED) if mine.height else mine
    border: list[str] = []
    if rule.metric_column and rule.threshold is not None and rule.direction in ("max", "min"):
        metric = pl.col(rule.metric_column)
        passing = frame.select("id", "drop_reason", rule.metric_column)
        passing = passing.filter(pl.col("drop_reason").is_null() & metric.is_not_null())
        passing = passing.filter(
            metric <= rule.threshold if rule.direction == "max" else metric >= rule.threshold
        )
        nearest = passing.select("id", (metric - rule.threshold).abs().alias("__distance"))
        border = _nearest_ids(nearest, BORDER_EXAMPLES)
    return sample["id"].to_list(), border


def _nearest_ids(rows: pl.DataFrame, k: int) -> list[str]:
    """The `k` ids of `rows` (id, __distance) first in (__distance, id) order. Sorting every row by both
    was most of a report's rule details at 1M rows (~160 ms a rule where most rows tie at distance 0, as a
    count metric with threshold 0 has): the rows under the k-th smallest distance are few, and the ties at
    it are cut by the smallest ids alone."""
    distance = rows["__distance"]
    if rows.height <= k or distance.is_nan().any():  # few rows, or NaNs (which max() and == would skip)
        return rows.sort(["__distance", "id"]).head(k)["id"].to_list()
    bound = distance.bottom_k(k).max()
    under = rows.filter(pl.col("__distance") < bound).sort(["__distance", "id"])["id"].to_list()
    ties = rows.filter(pl.col("__distance") == bound)["id"]
    return under + ties.bottom_k(k - len(under)).sort().to_list()


def build_rule_detail(
    run: RunData, rule: RuleCounts, ids: tuple[list[str], list[str]] | None = None, precision: str = ""
) -> RuleDetail:
    """`ids` = example_ids(run, rule) when the caller already computed them (to prefetch the rows);
    `precision`: the rule's precision paragraph (HTML)."""
    sample_ids, border_ids = ids if ids is not None else example_ids(run, rule)
    sample = _examples(run, sample_ids, rule)
    dropped, flagged = ([], sample) if rule.action == "flag" else (sample, [])
    border = _examples(run, border_ids, rule) if border_ids else []
    hist, nearby, metric_rows, nearby_note = None, [], 0, ""
    if rule.metric_column:
        values = run.frame[rule.metric_column]
        metric_rows = values.len() - values.null_count()
        measured = Measured.of(values)  # sorted once for the histogram, the what-if rows and the note
        hist = histogram(measured, threshold=rule.threshold)
        if rule.threshold is not None and rule.direction in ("max", "min"):
            nearby = nearby_thresholds(measured, rule.threshold, rule.direction)
            nearby_note = unmeasured_note(measured, rule.direction)
    return RuleDetail(rule, hist, nearby, dropped, border, metric_rows, flagged, precision, nearby_note)


def _example_rows(examples: list[Example], cls: str, rule: RuleCounts) -> list[list[str]]:
    rows = []
    for ex in examples:
        place = where(ex.source, ex.line) if ex.source else text(ex.row_id)
        others = [r for r in ex.failed_rules if r != rule.name]
        also = f'<br><span class="note">also fails: {text(", ".join(others))}</span>' if others else ""
        rows.append(
            [
                f'<td class="{cls}">{place}{also}</td>',
                num(ex.metric),
                clip(ex.shown, span=ex.span),
            ]
        )
    return rows


def render_rule_detail(detail: RuleDetail) -> str:
    rule = detail.rule
    params = ", ".join(f"{k}={v!r}" for k, v in rule.params.items()) or "defaults"
    what = (
        f"check <code>{text(rule.check)}</code> on <code>{text(rule.field or 'row')}</code> ({text(params)})"
        if rule.stage == "checks"
        else f"a rule of the {text(rule.stage)} stage"
    )
    head = (
        f"<p>{what}, action <code>{text(rule.action)}</code>; failed {rule.failed:,}, dropped first "
        f"{rule.dropped_first:,}, only this rule {rule.marginal:,}, flagged (kept) {rule.flagged:,}.</p>"
    )
    parts = [head, detail.precision]
    if detail.hist is not None:
        label = (rule.metric_column or "") + (" (count per row)" if detail.hist.discrete else "")
        chart = histogram_svg(detail.hist, threshold=rule.threshold, direction=rule.direction, x_label=label)
        extra = []
        if detail.hist.nulls:
            extra.append(f"{detail.hist.nulls:,} rows without a value (pass)")
        if detail.hist.clipped_low or detail.hist.clipped_high:
            extra.append(
                f"{detail.hist.clipped_low + detail.hist.clipped_high:,} outliers folded into the end bins"
            )
        note = f'<p class="note">{text("; ".join(extra))}</p>' if extra else ""
        nearby = ""
        if detail.nearby:
            side = ">" if rule.direction == "max" else "<"
            nearby_rows = [
                [
                    text(n.label),
                    num(n.threshold),
                    num(n.fails, f"nearby.{rule.name}.{n.label}" if n.is_current else None),
                    num(n.fails - rule.failed),
                ]
                for n in detail.nearby
            ]
            nearby = table(["threshold", "value", f"rows with metric {side} it", "vs now"], nearby_rows)
            nearby += f'<p class="note">{text(detail.nearby_note)}</p>' if detail.nearby_note else ""
        parts.append(f'<div class="grid"><div>{chart}{note}</div><div>{nearby}</div></div>')
    elif rule.stage == "checks":
        parts.append('<p class="note">This check has no metric (a yes/no check): no histogram.</p>')
    if detail.dropped:
        parts.append(
            "<h3>Dropped by this rule (sample)</h3>"
            + table(["row", "metric", "text"], _example_rows(detail.dropped, "dropped", rule), cls="examples")
        )
    if detail.flagged:
        parts.append(
            "<h3>Flagged by this rule, kept (sample)</h3>"
            + table(["row", "metric", "text"], _example_rows(detail.flagged, "kept", rule), cls="examples")
        )
    if detail.border:
        parts.append(
            f"<h3>Kept, just on the passing side of {text(fmt_number(rule.threshold))}</h3>"
            + table(["row", "metric", "text"], _example_rows(detail.border, "kept", rule), cls="examples")
        )
    opened = " open" if rule.dropped_first or rule.flagged else ""
    outcome = f"{rule.dropped_first:,} dropped" + (
        f", {rule.flagged:,} flagged (kept)" if rule.flagged else ""
    )
    return (
        f'<details id="{anchor("rule-" + rule.name)}"{opened}><summary>{text(rule.name)} — '
        f"{outcome}</summary>{''.join(parts)}</details>"
    )
