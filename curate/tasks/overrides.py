"""Rule-file overrides of task labels: a regex or a keyword list over one field decides the task.

    tasks:
      overrides:
        - {task: code, pattern: "(?i)\\bleetcode\\b"}                 # regex (Rust syntax) on the instruction
        - {task: translation, keywords: ["译成", "translate"], field: all_text}
        - {task: math, keywords: ["gsm8k"], field: input, replace_data: true}

The first matching override wins. An override replaces classifier answers always, and a label the data
carries only where it says `replace_data: true` (labels written by people are trusted over rules by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from winnow.curation.record import field_expr


@dataclass(frozen=True)
class Override:
    task: str
    pattern: str  # a Rust regex; keyword lists are escaped and joined into one case-insensitive pattern
    field: str = "instruction"
    replace_data: bool = False


def keywords_pattern(keywords: list[str]) -> str:
    return "(?i)" + "|".join(re.escape(k) for k in keywords)


def override_exprs(overrides: tuple[Override, ...]) -> tuple[pl.Expr, pl.Expr]:
    """(task of the first matching override or null, that override's replace_data flag or null)."""
    if not overrides:
        return pl.lit(None, pl.String), pl.lit(None, pl.Boolean)
    matches = [field_expr(o.field).fill_null("").str.contains(o.pattern) for o in overrides]
    # coalesce over "when(match).then(value)" = the value of the first override that matches.
    task = pl.coalesce([pl.when(m).then(pl.lit(o.task)) for o, m in zip(overrides, matches, strict=True)])
    replace = pl.coalesce(
        [pl.when(m).then(pl.lit(o.replace_data)) for o, m in zip(overrides, matches, strict=True)]
    )
    return task, replace
