"""`extends:` — a rule file may start from another one (a shipped name like `default`, or a path).

Merging, child over parent:
- `checks`: entries are matched by rule name (`name:`, or the check name when no name is given). A match
  updates the inherited entry (params merged key by key, other keys replaced); `enabled: false` removes
  it; an entry with a new name is appended. File order is the parent's order, then the new entries.
- every other section given by the child replaces the parent's section as a whole.

Each merged check entry carries its origin under ORIGIN_KEY ("default.yaml: checks[3]"), so that a
problem is reported at the place a person can find in the file they wrote, not at the merged index.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from winnow.rules import shipped_rule_file, shipped_rule_names

ORIGIN_KEY = "__origin__"


def resolve_parent(name: str, child: Path) -> Path | None:
    """Path of the file `extends: name` refers to: a shipped rule file by name, else relative to the child."""
    if name.removesuffix(".yaml") in shipped_rule_names() and "/" not in name:
        return shipped_rule_file(name)
    candidate = (child.parent / name).resolve()
    return candidate if candidate.is_file() else None


def _rule_name(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    name = entry.get("name", entry.get("check"))
    return name if isinstance(name, str) else None


def _with_origin(entry: Any, origin: str) -> Any:
    if isinstance(entry, dict) and ORIGIN_KEY not in entry:
        return {**copy.deepcopy(entry), ORIGIN_KEY: origin}
    return copy.deepcopy(entry)


def merge_checks(parent: list[Any], child: list[Any], parent_name: str) -> list[Any]:
    merged = [_with_origin(e, f"{parent_name}: checks[{i}]") for i, e in enumerate(parent)]
    index = {_rule_name(e): i for i, e in enumerate(merged) if _rule_name(e)}
    removed: set[int] = set()
    for i, entry in enumerate(child):
        name = _rule_name(entry)
        if name is None or name not in index:
            merged.append(_with_origin(entry, f"checks[{i}]"))
            continue
        position = index[name]
        if isinstance(entry, dict) and entry.get("enabled") is False:
            removed.add(position)
            continue
        target = merged[position]
        if "check" in entry and entry["check"] != target.get("check"):
            merged[position] = _with_origin(entry, f"checks[{i}]")  # a different check: no params to merge
            continue
        target[ORIGIN_KEY] = f"checks[{i}] (over {target.get(ORIGIN_KEY)})"
        for key, value in entry.items():
            if key == "params" and isinstance(value, dict) and isinstance(target.get("params"), dict):
                target["params"] = {**target["params"], **value}
            else:
                target[key] = copy.deepcopy(value)
    return [e for i, e in enumerate(merged) if i not in removed]


def merge(parent: dict[str, Any], child: dict[str, Any], parent_name: str) -> dict[str, Any]:
    """The child rule file applied over its parent (both raw YAML mappings, `extends` already removed)."""
    merged = copy.deepcopy(parent)
    for key, value in child.items():
        if key == "checks" and isinstance(value, list) and isinstance(merged.get("checks"), list):
            merged["checks"] = merge_checks(merged["checks"], value, parent_name)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
