"""The registry of formats: one place that knows every format name, and per-row detection.

Detection looks at one row's non-null keys: every format whose signature keys are all present (and whose
value check passes) is a candidate, and the one that explains most of the row's keys wins; ties go to the
earlier-registered format. A row no format matches is quarantined with the nearest format and what it
lacks, so the message says how to fix it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from winnow.curation.errors import UsageError
from winnow.curation.formats.base import Format, present_keys

FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    if fmt.name in FORMATS:
        raise ValueError(f"format {fmt.name!r} registered twice")
    FORMATS[fmt.name] = fmt
    return fmt


def get_format(name: str) -> Format:
    _load_all()
    if name not in FORMATS:
        import difflib

        close = difflib.get_close_matches(name, FORMATS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known formats: {', '.join(FORMATS)}"
        raise UsageError(f"unknown format {name!r}", hint=hint)
    return FORMATS[name]


def all_formats() -> list[Format]:
    _load_all()
    return list(FORMATS.values())


def detect_keys(keys: frozenset[str], row: Any = None) -> Format | None:
    """The best format for a row with these non-null keys (row: for value checks; None skips them)."""
    for fmt in _ranked(keys):
        if row is None or fmt.matches(row):
            return fmt
    return None


@functools.lru_cache(maxsize=4096)
def _ranked(keys: frozenset[str]) -> tuple[Format, ...]:
    """Formats whose signature these keys satisfy, best first (most keys explained, longest signature,
    earliest registered). Cached: a file has few distinct key sets."""
    scored = []
    for order, fmt in enumerate(all_formats()):
        matched = [sig for sig in fmt.signatures if sig <= keys]
        if fmt.row_is_list or not matched:
            continue
        scored.append(((len(keys & fmt.known_keys), max(len(sig) for sig in matched), -order), fmt))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return tuple(fmt for _, fmt in scored)


def detect(row: Any) -> Format | None:
    """The format of one raw row (a dict, or a list for the bare-messages format)."""
    _load_all()
    if isinstance(row, list):
        fmt = FORMATS.get("messages")
        return fmt if fmt is not None and fmt.matches_list(row) else None  # type: ignore[attr-defined]
    if not isinstance(row, Mapping):
        return None
    return detect_keys(present_keys(row), row)


def nearest(keys: frozenset[str]) -> tuple[Format, frozenset[str]] | None:
    """The format that needs the fewest extra keys for this row, and those keys (for error messages)."""
    best: tuple[int, int] | None = None
    found: tuple[Format, frozenset[str]] | None = None
    for order, fmt in enumerate(all_formats()):
        for sig in fmt.signatures:
            missing = sig - keys
            score = (len(sig & keys) - len(missing), -order)
            if sig & keys and (best is None or score > best):
                best, found = score, (fmt, frozenset(missing))
    return found


def no_format_message(row: Mapping[str, Any]) -> str:
    keys = present_keys(row)
    shown = ", ".join(sorted(keys)) or "no keys"
    near = nearest(keys)
    if near is None:
        return f"no supported format has the keys [{shown}]; see `winnow formats`"
    fmt, missing = near
    lacking = ", ".join(sorted(missing)) or "a valid value"
    return f"no supported format has the keys [{shown}]; nearest is {fmt.name}, which needs {lacking}"


_loaded = False


def _load_all() -> None:
    """Import every format module once (each registers itself); registration order is the tie-break."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import winnow.curation.formats.catalog  # noqa: F401
