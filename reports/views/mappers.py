"""Mappers: how many rows each mapper changed, with before/after examples, from stats["stages"]["mappers"].

The mapper stage writes its own stats; this view accepts the shapes a stage can reasonably write
(a list of per-mapper entries, or a mapping name → entry, or parallel "changed"/"examples" mappings) and
says plainly when the stats hold nothing it can read, rather than showing zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reports.html import clip, not_available, num, table, text

EXAMPLES_SHOWN = 3
CLIP = 400


@dataclass
class MapperView:
    name: str
    changed: int | None
    examples: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _entry(name: str, value: Any) -> MapperView:
    if isinstance(value, int):
        return MapperView(name, value)
    if not isinstance(value, dict):
        return MapperView(name, None)
    changed = value.get("changed", value.get("rows_changed"))
    examples = [e for e in (value.get("examples") or []) if isinstance(e, dict)]
    extra = {k: v for k, v in value.items() if k not in ("changed", "rows_changed", "examples", "name")}
    return MapperView(name, int(changed) if isinstance(changed, int) else None, examples, extra)


def build_mappers(stats: dict[str, Any]) -> list[MapperView] | None:
    raw = (stats.get("stages") or {}).get("mappers")
    if not isinstance(raw, dict | list):
        return None
    if isinstance(raw, dict) and isinstance(raw.get("mappers"), list | dict):
        raw = raw["mappers"]
    if isinstance(raw, list):
        return [
            _entry(str(item.get("name", f"mapper {i + 1}")), item)
            for i, item in enumerate(raw)
            if isinstance(item, dict)
        ]
    if isinstance(raw.get("changed"), dict):
        examples = raw.get("examples") if isinstance(raw.get("examples"), dict) else {}
        return [
            _entry(name, {"changed": n, "examples": (examples or {}).get(name) or []})
            for name, n in raw["changed"].items()
        ]
    return [_entry(name, value) for name, value in raw.items() if isinstance(value, dict | int)]


def render_mappers(views: list[MapperView] | None) -> str:
    if views is None:
        return not_available("Mapper statistics", "stats.json has no stages.mappers entry")
    if not views:
        return "<p>No mapper ran.</p>"
    rows = [
        [
            text(v.name),
            num(v.changed, f"mapper.{v.name}.changed"),
            text(", ".join(f"{k}={x}" for k, x in v.extra.items() if isinstance(x, int | float | str))),
        ]
        for v in views
    ]
    parts = [table(["mapper", "rows changed", "details"], rows)]
    for v in views:
        if not v.examples:
            continue
        ex_rows = [
            [
                text(e.get("id") or e.get("row") or ""),
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
