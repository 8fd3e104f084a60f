"""Building blocks shared by the garbage checks: character classes, guarded ratios, metric checks.

Everything here returns Polars expressions; nothing runs per row in Python.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from curate.checks.registry import Check, Direction

# Scripts written without spaces between words: one character is one token / one "word".
CJK_CLASS: Final = r"\p{Han}\p{Hiragana}\p{Katakana}"
# Tokens for words and n-grams: each CJK character on its own, otherwise runs of letters/digits.
TOKEN_PATTERN: Final = rf"[{CJK_CLASS}]|[\p{{L}}\p{{N}}\p{{M}}--{CJK_CLASS}]+"


def chars(text: pl.Expr) -> pl.Expr:
    """Length in characters (not bytes): one CJK character counts one."""
    return text.str.len_chars()


def non_space_chars(text: pl.Expr) -> pl.Expr:
    return text.str.len_chars() - text.str.count_matches(r"\s")


def ratio(count: pl.Expr, total: pl.Expr) -> pl.Expr:
    """count / total as Float64; null where total is 0 (nothing to judge)."""
    return pl.when(total > 0).then(count.cast(pl.Float64) / total.cast(pl.Float64))


def guarded(metric: pl.Expr, text: pl.Expr, min_chars: int) -> pl.Expr:
    """The metric on texts of at least `min_chars` characters, null (not judged) on shorter ones."""
    return pl.when(chars(text) >= min_chars).then(metric)


def prose(text: pl.Expr) -> pl.Expr:
    """The text without fenced code blocks (```…```): code is allowed its symbols and markup."""
    return text.str.replace_all(r"(?s)```.*?(?:```|$)", "")


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
