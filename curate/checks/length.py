"""Length checks: characters (a CJK character counts one) and words (a CJK character counts one word).

Characters are the unit that works for every script; words are for space-delimited text, with CJK
characters counted one each so that a mixed zh/en text gets a sensible word count.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

from winnow.curation.checks.params import NON_NEGATIVE
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import chars, metric_check, tokens


@check("min_length")
def min_length(text: pl.Expr, min_chars: Annotated[int, NON_NEGATIVE] = 1) -> Check:
    """Fails texts shorter than min_chars characters (CJK characters count one each); null text counts 0."""
    return metric_check(chars(text).fill_null(0), min_chars, "min")


@check("max_length")
def max_length(text: pl.Expr, max_chars: Annotated[int, NON_NEGATIVE] = 30000) -> Check:
    """Fails texts longer than max_chars characters."""
    return metric_check(chars(text), max_chars, "max", span=text.str.slice(max_chars, 80))


def word_count(text: pl.Expr) -> pl.Expr:
    """Words of space-delimited scripts plus one per CJK character; punctuation is not a word."""
    return tokens(text).list.len()


@check("min_words")
def min_words(text: pl.Expr, min_words: Annotated[int, NON_NEGATIVE] = 1) -> Check:
    """Fails texts with fewer than min_words words (each CJK character counts as one word)."""
    return metric_check(word_count(text).fill_null(0), min_words, "min")


@check("max_words")
def max_words(text: pl.Expr, max_words: Annotated[int, NON_NEGATIVE] = 100000) -> Check:
    """Fails texts with more than max_words words (each CJK character counts as one word)."""
    return metric_check(word_count(text), max_words, "max")
