"""Mappers: how many rows each mapper changed, with before/after examples, from stats["stages"]["mappers"].

The mapper stage (winnow.curation.mappers.stage) writes {"steps": [{mapper, params, rows_changed, examples:
[{id, field, before, after}]}], "rows_changed", "rows"}; when that is absent the section says so rather
than showing zeros. Mapper output is corpus text: escaped and clipped like every other example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from winnow.reports.html import clip, not_available, num, pct, table, text

EXAMPLES_SHOWN = 3
CLIP = 400


@dataclass
class MapperView:
    name: str
    changed: int | None
    params: dict[str, Any] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MappersView:
    steps: list[MapperView]
    rows_changed: int | None
    rows: int | None


def build_mappers(stats: dict[str, Any]) -> MappersView | None:
    """From the mapper stage's stats: {"steps": [{mapper, params, rows_changed, examples}], "rows_changed", "rows"}."""
    raw = (stats.get("stages") or {}).get("mappers")
    if not isinstance(raw, dict) or not isinstance(raw.get("steps"), list):
        return None
    steps = [
        MapperView(
            name=str(step.get("mapper") or step.get("name") or f"step {i + 1}"),
            changed=step.get("rows_changed") if isinstance(step.get("rows_changed"), int) else None,
            params=dict(step.get("params") or {}),
            examples=[e for e in step.get("examples") or [] if isinstance(e, dict)],
        )
        for i, step in enumerate(raw["steps"])
        if isinstance(step, dict)
    ]
    total = raw.get("rows_changed")
    rows = raw.get("rows")
    return MappersView(
        steps, total if isinstance(total, int) else None, rows if isinstance(rows, int) else None
    )


def render_mappers(view: MappersView | None) -> str:
    if view is None:
        return not_available("Mapper statistics", "stats.json has no stages.mappers.steps")
    if not view.steps:
        return "<p>No mapper ran.</p>"
    rows = [
        [
            f"{i + 1}. {text(v.name)}",
            text(", ".join(f"{k}={x!r}" for k, x in v.params.items())),
            num(v.changed, f"mapper.{i + 1}.{v.name}.changed"),
            pct(v.changed or 0, view.rows or 0),
        ]
        for i, v in enumerate(view.steps)
    ]
    rows.append(
        [
            "<b>any step</b>",
            "",
            num(view.rows_changed, "mapper.any.changed"),
            pct(view.rows_changed or 0, view.rows or 0),
        ]
    )
    parts = [
        table(["step", "params", "rows changed", "of rows"], rows),
        '<p class="note">Rows that any step changed keep their original text in the <code>original</code> column '
        "of rows.parquet.</p>",
    ]
    for v in view.steps:
        if not v.examples:
            continue
        ex_rows = [
            [
                text(e.get("id") or ""),
                text(e.get("field") or ""),
                clip(None if e.get("before") is None else str(e.get("before")), CLIP),
                clip(None if e.get("after") is None else str(e.get("after")), CLIP),
            ]
            for e in v.examples[:EXAMPLES_SHOWN]
        ]
        parts.append(
            f"<details><summary>{text(v.name)}: before / after</summary>"
            + table(["row", "field", "before", "after"], ex_rows, cls="examples")
            + "</details>"
        )
    return "".join(parts)
