"""Small validators shared by the rule-file section parsers (tasks, mix, split, and the model-backed stages).

Each takes the raw YAML value, its place (e.g. `mix.tasks.code.weight`) and the Problems list; on a bad
value it adds a problem and returns the default, so that parsing goes on and every error is shown at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from winnow.curation.rulefile.problems import Problems


def mapping(raw: Any, place: str, problems: Problems, allowed: Iterable[str] | None = None) -> dict[str, Any]:
    """A YAML mapping; with `allowed`, its keys must be among them (unknown keys get a did-you-mean)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(place, f"must be a mapping, got {type(raw).__name__}")
        return {}
    if allowed is not None:
        known = list(allowed)
        for key in raw:
            if key not in known:
                problems.unknown(f"{place}.{key}" if place else str(key), str(key), known)
    return raw


def boolean(raw: Any, place: str, problems: Problems, default: bool) -> bool:
    if raw is None:
        return default
    if not isinstance(raw, bool):
        problems.add(place, f"must be true or false, got {raw!r}")
        return default
    return raw


def integer(
    raw: Any, place: str, problems: Problems, default: int | None, minimum: int | None = None
) -> int | None:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int):
        problems.add(place, f"must be an integer, got {raw!r}")
        return default
    if minimum is not None and raw < minimum:
        problems.add(place, f"must be >= {minimum}, got {raw}")
        return default
    return raw


def number(
    raw: Any,
    place: str,
    problems: Problems,
    default: float | None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float | None:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        problems.add(place, f"must be a number, got {raw!r}")
        return default
    if minimum is not None and raw < minimum:
        problems.add(place, f"must be >= {minimum}, got {raw}")
        return default
    if maximum is not None and raw > maximum:
        problems.add(place, f"must be <= {maximum}, got {raw}")
        return default
    return float(raw)


def string(raw: Any, place: str, problems: Problems, default: str | None = None) -> str | None:
    if raw is None:
        return default
    if not isinstance(raw, str) or not raw:
        problems.add(place, f"must be a non-empty string, got {raw!r}")
        return default
    return raw


def folder(raw: Any, place: str, problems: Problems, *, needed: str | None = None) -> str | None:
    """A local folder's path (a model's): None, with a problem, when it names no folder; when absent, None,
    with the problem `needed` if the folder is required."""
    path = string(raw, place, problems)
    if path is None:
        if needed is not None:
            problems.add(place, needed)
        return None
    if not Path(path).is_dir():
        problems.add(place, f"no such folder: {path} (paths are relative to where winnow runs)")
        return None
    return path


def choice(raw: Any, place: str, problems: Problems, choices: Iterable[str], default: str) -> str:
    choices = list(choices)
    if raw is None:
        return default
    if not isinstance(raw, str) or raw not in choices:
        problems.unknown(place, str(raw), choices, what="value")
        return default
    return raw
