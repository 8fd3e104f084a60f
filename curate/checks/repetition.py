"""Gopher-style repetition (Rae et al. 2021, appendix A): duplicate lines, duplicate paragraphs, the share
of text taken by the most frequent n-gram, and the share covered by duplicated n-grams.

N-grams are CJK-aware: tokens are single characters for Chinese/Japanese and words for space-delimited
scripts (see textexpr.TOKEN_PATTERN), so "好的好的好的" repeats the same way "ok ok ok" does. Shares are
measured in token characters (punctuation and spaces excluded).

Cost: repetition statistics need every token of a text, which no single string expression gives. Texts
below the cheap guards (`min_lines`, `min_chars`) are not judged (metric null) and are blanked *before*
any splitting, so only long texts pay. Each statistic is one compiled pass per text
(curate.kernels.ngrams, curate.kernels.repeated_pieces), wrapped in an elementwise `map_batches`.
"""

from __future__ import annotations

import functools
from typing import Annotated

import polars as pl

from curate.checks.params import NON_NEGATIVE, RATIO, THRESHOLD, Range
from curate.checks.registry import Check, check
from curate.checks.textexpr import metric_check
from curate.kernels.ngrams import DUP, TOP, ngram_share_series
from curate.kernels.repeated_pieces import LINES, PARAGRAPHS, repeated_fraction_series


def _duplicate_fraction(text: pl.Expr, mode: int, minimum: int) -> pl.Expr:
    """Repeated pieces / non-blank pieces (curate.kernels.repeated_pieces); null below `minimum`."""
    measure = functools.partial(repeated_fraction_series, mode=mode, minimum=minimum)
    return text.map_batches(measure, return_dtype=pl.Float64, is_elementwise=True)


@check("max_dup_line_fraction")
def max_dup_line_fraction(
    text: pl.Expr,
    max_fraction: Annotated[float, RATIO, THRESHOLD] = 0.3,
    min_lines: Annotated[int, Range(2, None)] = 4,
) -> Check:
    """Fraction of non-blank lines that repeat an earlier line (Gopher: <= 0.30)."""
    metric = _duplicate_fraction(text, LINES, min_lines)
    return metric_check(metric, max_fraction, "max")


@check("max_dup_paragraph_fraction")
def max_dup_paragraph_fraction(
    text: pl.Expr,
    max_fraction: Annotated[float, RATIO, THRESHOLD] = 0.3,
    min_paragraphs: Annotated[int, Range(2, None)] = 3,
) -> Check:
    """Fraction of paragraphs (blank-line separated) that repeat an earlier one (Gopher: <= 0.30)."""
    metric = _duplicate_fraction(text, PARAGRAPHS, min_paragraphs)
    return metric_check(metric, max_fraction, "max")


def _batched(function: functools.partial[pl.Series], text: pl.Expr) -> pl.Expr:
    return text.map_batches(function, return_dtype=pl.Float64, is_elementwise=True)


@check("max_top_ngram_share")
def max_top_ngram_share(
    text: pl.Expr,
    n: Annotated[int, Range(2, 10)] = 2,
    max_share: Annotated[float, RATIO, THRESHOLD] = 0.2,
    min_tokens: Annotated[int, NON_NEGATIVE] = 50,
    min_chars: Annotated[int, NON_NEGATIVE] = 200,
) -> Check:
    """Share of token characters in the most frequent n-gram's occurrences (Gopher: 0.20/0.18/0.16 for 2/3/4)."""
    metric = functools.partial(ngram_share_series, mode=TOP, n=n, min_tokens=min_tokens, min_chars=min_chars)
    return metric_check(_batched(metric, text), max_share, "max")


@check("max_dup_ngram_share")
def max_dup_ngram_share(
    text: pl.Expr,
    n: Annotated[int, Range(2, 20)] = 5,
    max_share: Annotated[float, RATIO, THRESHOLD] = 0.15,
    min_tokens: Annotated[int, NON_NEGATIVE] = 50,
    min_chars: Annotated[int, NON_NEGATIVE] = 200,
) -> Check:
    """Share of token characters covered by n-grams seen earlier in the text (Gopher: 0.15 for 5 .. 0.10 for 10)."""
    metric = functools.partial(ngram_share_series, mode=DUP, n=n, min_tokens=min_tokens, min_chars=min_chars)
    return metric_check(_batched(metric, text), max_share, "max")
