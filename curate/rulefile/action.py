"""`action:` — what a failing rule does to its row, the same key in every section that holds rules.

    drop   the row is dropped: the rule can become its `drop_reason` (the default)
    flag   the row is kept and the rule is listed in its `flagged_rules`, for a person to look at

Either way the rule is in the row's `failed_rules` (winnow.curation.ledger).
"""

from __future__ import annotations

from typing import Any, Final

from winnow.curation.rulefile.problems import Problems

ACTIONS: Final = ("drop", "flag")
DEFAULT_ACTION: Final = "drop"


def parse_action(raw: Any, place: str, problems: Problems, default: str = DEFAULT_ACTION) -> str:
    """`raw` (None = `default`) as one of ACTIONS; anything else is a problem with a "did you mean"."""
    if raw is None:
        return default
    if not isinstance(raw, str):
        problems.add(place, f"must be one of {', '.join(ACTIONS)}, got {raw!r}")
        return default
    if raw not in ACTIONS:
        problems.unknown(place, raw, ACTIONS, what="action")
        return default
    return raw
