"""What each stage said about itself: stats["stages"] shown as compact tables (numbers and short mappings).

Stages write their own JSON-able stats (language counts per field, dedup parameters, split sizes …). The
report shows them as they are rather than re-deriving them, so a person can read what the stage decided;
long lists (samples, examples) are left to the sections that render them properly.
"""

from __future__ import annotations

from typing import Any

from winnow.reports.html import fmt_number, table, text

SKIP_KEYS = {"examples", "sample_clusters", "steps", "samples"}
MAX_ITEMS = 24
MAX_DEPTH = 3


def _inline(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return text(value)
    if isinstance(value, int | float):
        return text(fmt_number(value))
    if isinstance(value, dict):
        items = list(value.items())
        shown = ", ".join(f"{k}: {_inline_scalar(v)}" for k, v in items[:MAX_ITEMS])
        more = f", … {len(items) - MAX_ITEMS} more" if len(items) > MAX_ITEMS else ""
        return text(shown + more) if items else "{}"
    if isinstance(value, list):
        shown = ", ".join(_inline_scalar(v) for v in value[:MAX_ITEMS])
        more = f", … {len(value) - MAX_ITEMS} more" if len(value) > MAX_ITEMS else ""
        return text(f"[{shown}{more}]")
    return text(value)


def _inline_scalar(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_number(value)
    if isinstance(value, dict | list):
        return f"({len(value)} entries)"
    return str(value)


def _rows(prefix: str, value: dict[str, Any], depth: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for key, item in value.items():
        if key in SKIP_KEYS:
            continue
        name = f"{prefix}{key}"
        nested_dicts = isinstance(item, dict) and any(isinstance(v, dict) for v in item.values())
        if nested_dicts and depth < MAX_DEPTH:
            rows += _rows(f"{name}.", item, depth + 1)
        else:
            rows.append([text(name), _inline(item)])
    return rows


def render_stages(stats: dict[str, Any]) -> str:
    stages = stats.get("stages") or {}
    parts = []
    for name, value in stages.items():
        if name == "mappers" or not isinstance(value, dict):
            continue
        rows = _rows("", value, 1)
        if rows:
            parts.append(f"<details><summary>{text(name)}</summary>{table(['key', 'value'], rows)}</details>")
    timings = stats.get("timings")
    if isinstance(timings, dict) and timings:
        parts.append(
            "<details><summary>timings (seconds)</summary>"
            + table(["step", "seconds"], [[text(k), _inline(v)] for k, v in timings.items()])
            + "</details>"
        )
    return "".join(parts) or "<p>The stages wrote no statistics.</p>"
