"""Builds small run folders for the report tests: canonical rows + ledger + metric columns + stats.json.

Not a mock of `winnow curate`: the ledger is applied with winnow.curation.ledger.record_failures exactly as stages
do, and stats.json is computed from the resulting rows the way the run folder contract describes.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.ledger import counts_by_reason, flagged_counts, record_failures, rule_counts
from winnow.curation.record import field_expr, frame_from_rows


def sft(row_id: str, instruction: str, response: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": row_id,
        "source": extra.pop("source", "demo.jsonl"),
        "line": extra.pop("line", 1),
        "format": "alpaca",
        "kind": "sft",
        "messages": [{"role": "user", "content": instruction}, {"role": "assistant", "content": response}],
        **extra,
    }


# name, field, metric builder, threshold, direction
LENGTH_RULES: list[tuple[str, str, float, str]] = [
    ("response_too_short", "response", 5.0, "min"),
    ("instruction_too_long", "instruction", 40.0, "max"),
]


def build_run(
    run_dir: Path,
    rows: list[dict[str, Any]],
    *,
    rules: list[tuple[str, str, float, str]] = LENGTH_RULES,
    quarantined: int = 0,
    extra_columns: dict[str, list[Any]] | None = None,
    extra_failures: list[tuple[str, pl.Expr]] | None = None,
    stages: dict[str, Any] | None = None,
    flagged: frozenset[str] = frozenset(),
) -> Path:
    """Apply length rules (metric = characters of the field) through the ledger and write the run folder;
    reasons in `flagged` have `action: flag`."""
    frame = frame_from_rows(rows)
    metric_exprs = [
        field_expr(f).str.len_chars().cast(pl.Float64).alias(f"metric.{n}") for n, f, _, _ in rules
    ]
    frame = frame.with_columns(metric_exprs)
    for column, values in (extra_columns or {}).items():
        frame = frame.with_columns(pl.Series(column, values))
    failures = [
        (n, pl.col(f"metric.{n}") > t if d == "max" else pl.col(f"metric.{n}") < t) for n, _, t, d in rules
    ]
    frame = record_failures(frame, failures + (extra_failures or []), flagged)
    by_reason = counts_by_reason(frame)
    rule_stats = [
        {
            "name": n,
            "check": "max_length" if d == "max" else "min_length",
            "stage": "checks",
            "field": f,
            "params": {"max_chars" if d == "max" else "min_chars": t},
            "threshold": t,
            "direction": d,
            "metric_column": f"metric.{n}",
            "action": "flag" if n in flagged else "drop",
            "failed": int(frame.select(pl.col("failed_rules").list.contains(n).sum()).item()),
            "dropped_first": by_reason.get(n, 0),
        }
        for n, f, t, d in rules
    ]
    for entry, counts in zip(rule_stats, rule_counts(frame, [e["name"] for e in rule_stats]), strict=True):
        entry["flagged"] = counts.flagged
    n_flagged, flagged_by_rule = flagged_counts(frame)
    kept = frame.filter(pl.col("drop_reason").is_null()).height
    stats = {
        "rows_read": frame.height + quarantined,
        "rows_accepted": frame.height,
        "quarantined": quarantined,
        "kept": kept,
        "dropped": frame.height - kept,
        "by_reason": by_reason,
        "flagged": n_flagged,
        "flagged_by_rule": flagged_by_rule,
        "rules": rule_stats,
        "stages": stages or {"checks": {}},
        "inputs": ["demo.jsonl"],
        "rule_file": "test-rules.yaml",
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(run_dir / "rows.parquet")
    (run_dir / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    quarantine = [
        json.dumps({"source": "demo.jsonl", "line": 100 + i, "error": "not JSON", "snippet": "{broken"})
        for i in range(quarantined)
    ]
    (run_dir / "quarantine.jsonl").write_text("".join(q + "\n" for q in quarantine), encoding="utf-8")
    return run_dir


class _StatCells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("data-stat") is not None:
            self.values[str(found["data-stat"])] = str(found.get("data-value") or "")


def stat_cells(html_text: str) -> dict[str, str]:
    """data-stat → data-value of every numeric cell of a report."""
    parser = _StatCells()
    parser.feed(html_text)
    return parser.values


def ints(html_text: str) -> dict[str, int]:
    return {k: int(float(v)) for k, v in stat_cells(html_text).items() if v != ""}
