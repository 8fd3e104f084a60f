"""Gopher-style repetition (Rae et al. 2021, appendix A): duplicate lines, duplicate paragraphs, the share
of text taken by the most frequent n-gram, and the share covered by duplicated n-grams.

N-grams are CJK-aware: tokens are single characters for Chinese/Japanese and words for space-delimited
scripts (see textexpr.TOKEN_PATTERN), so "好的好的好的" repeats the same way "ok ok ok" does. Shares are
measured in token characters (punctuation and spaces excluded). Texts shorter than the `min_*` guard are
not judged (metric null): repetition statistics on a one-line reply mean nothing.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

from curate.checks.params import NON_NEGATIVE, RATIO, Range
from curate.checks.registry import Check, check
from curate.checks.textexpr import metric_check, ratio, tokens

_PARAGRAPH_BREAK = "\u0000"  # split marker; control characters never survive the mappers


def _duplicate_fraction(pieces: pl.Expr, minimum: int) -> pl.Expr:
    """(pieces - distinct pieces) / pieces over non-blank pieces; null with fewer than `minimum` pieces."""
    solid = pieces.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element().str.len_bytes() > 0)
    )
    count = solid.list.len()
    return pl.when(count >= minimum).then(ratio(count - solid.list.n_unique(), count))


@check("max_dup_line_fraction")
def max_dup_line_fraction(
    text: pl.Expr,
    max_fraction: Annotated[float, RATIO] = 0.3,
    min_lines: Annotated[int, Range(2, None)] = 4,
) -> Check:
    """Fraction of non-blank lines that repeat an earlier line (Gopher: <= 0.30)."""
    metric = _duplicate_fraction(text.str.split("\n"), min_lines)
    return metric_check(metric, max_fraction, "max")


@check("max_dup_paragraph_fraction")
def max_dup_paragraph_fraction(
    text: pl.Expr,
    max_fraction: Annotated[float, RATIO] = 0.3,
    min_paragraphs: Annotated[int, Range(2, None)] = 3,
) -> Check:
    """Fraction of paragraphs (blank-line separated) that repeat an earlier one (Gopher: <= 0.30)."""
    paragraphs = text.str.replace_all(r"\n[ \t]*\n\s*", _PARAGRAPH_BREAK).str.split(_PARAGRAPH_BREAK)
    metric = _duplicate_fraction(paragraphs, min_paragraphs)
    return metric_check(metric, max_fraction, "max")


def _ngrams(n: int) -> pl.Expr:
    """Inside a list context: the n-grams starting at each token (null where fewer than n remain)."""
    return pl.concat_str([pl.element().shift(-i) for i in range(n)], separator="\u0001")


def _guarded_tokens(text: pl.Expr, min_tokens: int) -> tuple[pl.Expr, pl.Expr]:
    toks = tokens(text)
    return toks, toks.list.len() >= min_tokens


@check("max_top_ngram_share")
def max_top_ngram_share(
    text: pl.Expr,
    n: Annotated[int, Range(2, 10)] = 2,
    max_share: Annotated[float, RATIO] = 0.2,
    min_tokens: Annotated[int, NON_NEGATIVE] = 50,
) -> Check:
    """Share of token characters in the most frequent n-gram's occurrences (Gopher: 0.20/0.18/0.16 for 2/3/4)."""
    toks, enough = _guarded_tokens(text, min_tokens)
    grams = _ngrams(n)
    counts = grams.drop_nulls().value_counts()
    # characters of an n-gram = its length minus the n-1 separators; weight by occurrences, take the top
    top = ((counts.struct.field("").str.len_chars() - (n - 1)) * counts.struct.field("count")).max()
    top_chars = toks.list.agg(top)
    total = toks.list.agg(pl.element().str.len_chars().sum())
    metric = pl.when(enough).then(ratio(top_chars, total))
    return metric_check(metric, max_share, "max")


@check("max_dup_ngram_share")
def max_dup_ngram_share(
    text: pl.Expr,
    n: Annotated[int, Range(2, 20)] = 5,
    max_share: Annotated[float, RATIO] = 0.15,
    min_tokens: Annotated[int, NON_NEGATIVE] = 50,
) -> Check:
    """Share of token characters covered by n-grams seen earlier in the text (Gopher: 0.15 for 5 .. 0.10 for 10)."""
    toks, enough = _guarded_tokens(text, min_tokens)
    grams = _ngrams(n)
    # an n-gram occurrence that is not the first of its kind covers its n tokens
    repeated = (grams.is_not_null() & ~grams.is_first_distinct()).cast(pl.Int8)
    covered = pl.max_horizontal([repeated.shift(i, fill_value=0) for i in range(n)])
    dup_chars = toks.list.agg((pl.element().str.len_chars() * covered).sum())
    total = toks.list.agg(pl.element().str.len_chars().sum())
    metric = pl.when(enough).then(ratio(dup_chars, total))
    return metric_check(metric, max_share, "max")
