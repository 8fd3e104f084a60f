r"""Character-composition ratios: special characters, alphanumerics, digits, URLs.

Classes (Unicode general categories, so every script counts): alphanumeric = letters, marks and digits
(\p{L}\p{M}\p{N}); special = everything else except whitespace and sentence punctuation (.,!?;:'"()
and the CJK ，。！？；：、“”（）《》…), so "$%^&*#@+=<>|~" floods count but ordinary prose does not.
Ratios are per non-space character.

Ratios are only judged on texts of at least `min_chars` characters: "42" is a fine answer with a digit
ratio of 1.0. Below that the metric is null, which counts as a pass.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

from curate.checks.params import NON_NEGATIVE, RATIO
from curate.checks.registry import Check, check
from curate.checks.textexpr import chars, guarded, metric_check, non_space_chars, prose, ratio

# Sentence punctuation is not special; ASCII %&*#@ are Unicode "punctuation" but count as special here.
SPECIAL_CLASS = r"[^\p{L}\p{M}\p{N}\s.,!?;:'\"()\[\]\-，。！？；：、“”‘’（）《》【】…—·]"
URL_PATTERN = r"(?:https?|ftp)://[^\s<>\"'）)\]]+|www\.[^\s<>\"'）)\]]+"


@check("max_special_char_ratio")
def max_special_char_ratio(
    text: pl.Expr,
    max_ratio: Annotated[float, RATIO] = 0.5,
    min_chars: Annotated[int, NON_NEGATIVE] = 20,
) -> Check:
    """Share of non-space characters outside fenced code that are not letters, digits or punctuation."""
    text = prose(text)
    special = text.str.count_matches(SPECIAL_CLASS)
    metric = guarded(ratio(special, non_space_chars(text)), text, min_chars)
    return metric_check(metric, max_ratio, "max", span=text.str.extract(f"{SPECIAL_CLASS}{{3,}}", 0))


@check("min_alnum_ratio")
def min_alnum_ratio(
    text: pl.Expr,
    min_ratio: Annotated[float, RATIO] = 0.3,
    min_chars: Annotated[int, NON_NEGATIVE] = 20,
) -> Check:
    """Share of non-space characters that are letters or digits (any script); fails below min_ratio."""
    # non-space minus non-alphanumeric: counting the (rarer) non-alphanumerics is ~3x faster
    alnum = non_space_chars(text) - text.str.count_matches(r"[^\p{L}\p{M}\p{N}\s]")
    metric = guarded(ratio(alnum, non_space_chars(text)), text, min_chars)
    return metric_check(metric, min_ratio, "min")


@check("max_digit_ratio")
def max_digit_ratio(
    text: pl.Expr,
    max_ratio: Annotated[float, RATIO] = 0.6,
    min_chars: Annotated[int, NON_NEGATIVE] = 40,
) -> Check:
    """Share of non-space characters that are digits (any script's decimal digits)."""
    digits = text.str.count_matches(r"\p{Nd}")
    metric = guarded(ratio(digits, non_space_chars(text)), text, min_chars)
    return metric_check(metric, max_ratio, "max", span=text.str.extract(r"[\p{Nd}\s.,:-]{20,}", 0))


@check("max_url_ratio")
def max_url_ratio(
    text: pl.Expr,
    max_ratio: Annotated[float, RATIO] = 0.5,
    min_chars: Annotated[int, NON_NEGATIVE] = 20,
) -> Check:
    """Share of characters that belong to URLs (http(s)://, ftp://, www.)."""
    url_chars = text.str.extract_all(URL_PATTERN).list.eval(pl.element().str.len_chars()).list.sum()
    metric = guarded(ratio(url_chars, chars(text)), text, min_chars)
    return metric_check(metric, max_ratio, "max", span=text.str.extract(URL_PATTERN, 0))
