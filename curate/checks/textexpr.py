"""Building blocks shared by the garbage checks: character classes, guarded ratios, metric checks.

Everything here returns Polars expressions; nothing runs per row in Python.

Derived columns: several checks need the same derivation of a field (its text without code fences, its
count of non-space characters), and Polars' common-subexpression elimination does not share all of them
(it recomputed the fence-stripped reply three times for the three ratio checks). When a check reads a
field from its materialized `__field.<name>` column, `prose` and `non_space_chars` return a reference to
a derived column `__field.<name>|prose` / `…|nonspace` instead, which the checks stage computes once
(`derived_columns`); on any other expression (`pl.element()` for messages) they are plain expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

import polars as pl

from curate.checks.registry import Check, Direction

# Scripts written without spaces between words: one character is one token / one "word".
CJK_CLASS: Final = r"\p{Han}\p{Hiragana}\p{Katakana}"
# Tokens for words and n-grams: each CJK character on its own, otherwise runs of letters/digits.
TOKEN_PATTERN: Final = rf"[{CJK_CLASS}]|[\p{{L}}\p{{N}}\p{{M}}--{CJK_CLASS}]+"
FIELD_PREFIX: Final = "__field."  # materialized field columns (see curate.checks.engine)
DERIVED_SEPARATOR: Final = "|"  # `__field.response|prose|nonspace` = non-space count of the prose


def chars(text: pl.Expr) -> pl.Expr:
    """Length in characters (not bytes): one CJK character counts one."""
    return text.str.len_chars()


def _derived(text: pl.Expr, kind: str) -> pl.Expr:
    """`kind` of `text`: a derived column when `text` is a materialized field, else the expression."""
    if text.meta.is_column():
        name = text.meta.output_name(raise_if_undetermined=False) or ""
        if name.startswith(FIELD_PREFIX):
            return pl.col(f"{name}{DERIVED_SEPARATOR}{kind}")
    return DERIVATIONS[kind](text)


def non_space_chars(text: pl.Expr) -> pl.Expr:
    """Characters that are not (Unicode) whitespace."""
    return _derived(text, "nonspace")


def _non_space_chars(text: pl.Expr) -> pl.Expr:
    return text.str.len_chars() - text.str.count_matches(r"\s")


def ratio(count: pl.Expr, total: pl.Expr) -> pl.Expr:
    """count / total as Float64; null where total is 0 (nothing to judge)."""
    return pl.when(total > 0).then(count.cast(pl.Float64) / total.cast(pl.Float64))


def guarded(metric: pl.Expr, text: pl.Expr, min_chars: int) -> pl.Expr:
    """The metric on texts of at least `min_chars` characters, null (not judged) on shorter ones."""
    return pl.when(chars(text) >= min_chars).then(metric)


def prose(text: pl.Expr) -> pl.Expr:
    """The text without fenced code blocks (```…```): code is allowed its symbols and markup."""
    return _derived(text, "prose")


def _prose(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"(?s)```.*?(?:```|$)", "")


DERIVATIONS: Final[dict[str, Callable[[pl.Expr], pl.Expr]]] = {"nonspace": _non_space_chars, "prose": _prose}


def derived_columns(exprs: Iterable[pl.Expr]) -> list[dict[str, pl.Expr]]:
    """The derived columns `exprs` read, in levels: each level only reads fields and earlier levels."""
    wanted: set[str] = set()
    for expr in exprs:
        for name in expr.meta.root_names():
            if name.startswith(FIELD_PREFIX) and DERIVED_SEPARATOR in name:
                parts = name.split(DERIVED_SEPARATOR)
                wanted.update(DERIVED_SEPARATOR.join(parts[: i + 1]) for i in range(1, len(parts)))
    levels: list[dict[str, pl.Expr]] = []
    for name in sorted(wanted, key=lambda n: (n.count(DERIVED_SEPARATOR), n)):
        depth = name.count(DERIVED_SEPARATOR)
        while len(levels) < depth:
            levels.append({})
        base, kind = name.rsplit(DERIVED_SEPARATOR, 1)
        levels[depth - 1][name] = DERIVATIONS[kind](pl.col(base))
    return levels


def tokens(text: pl.Expr) -> pl.Expr:
    """List of tokens: CJK characters one by one, words of other scripts (punctuation dropped)."""
    return text.str.extract_all(TOKEN_PATTERN)


def metric_check(
    metric: pl.Expr, threshold: float, direction: Direction, span: pl.Expr | None = None
) -> Check:
    """A Check whose failure is exactly the comparison of its metric with the threshold.

    The engine relies on this (it recomputes `fails` from a cached metric column), so every metric check
    in winnow must fail exactly when `metric > threshold` ("max") or `metric < threshold` ("min").
    """
    metric = metric.cast(pl.Float64)
    fails = metric > threshold if direction == "max" else metric < threshold
    return Check(fails=fails, metric=metric, threshold=float(threshold), direction=direction, span=span)
