r"""Character-composition ratios: special characters, alphanumerics, digits, URLs.

Classes (Unicode general categories, so every script counts): alphanumeric = letters, marks and digits
(\p{L}\p{M}\p{N}); special = everything else except whitespace and sentence punctuation (.,!?;:'"()
and the CJK ，。！？；：、“”（）《》…), so "$%^&*#@+=<>|~" floods count but ordinary prose does not.
Ratios are per non-space character.

Ratios are only judged on texts of at least `min_chars` characters: "42" is a fine answer with a digit
ratio of 1.0. Below that the metric is null, which counts as a pass.

Asked-for notation is not judged (curate/checks/asked_form.py): the special-character and alphanumeric
ratios skip replies whose instruction asks for code, a regex, markup, a table, an equation, Morse or emoji
(a regex is mostly symbols); the digit ratio skips replies whose instruction asks for numbers, arithmetic,
a table or code (a multiplication table is mostly digits); the URL ratio skips replies whose instruction asks
for links, sources, references or a web page.

The class counts come from one compiled pass per text (`textexpr.char_counts`, shared by every rule
counting on the same field); the class patterns below still find the spans shown in the report.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

from winnow.curation.checks.asked_form import (
    ASKS_FOR_LINKS,
    ASKS_FOR_NOTATION,
    ASKS_FOR_NUMBERS,
    unless_asked,
)
from winnow.curation.checks.params import NON_NEGATIVE, RATIO, THRESHOLD
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import (
    counted_ratio,
    metric_check,
    on_gated_rows,
    prose,
    shared,
)
from winnow.curation.kernels.unicode_classes import SPECIAL_CLASS

URL_PATTERN = r"(?:https?|ftp)://[^\s<>\"'）)\]]+|www\.[^\s<>\"'）)\]]+"
URL_GATE = "://|www\\."  # every URL_PATTERN match holds one: the texts without are not read again


@shared("urlchars")
def url_chars(text: pl.Expr) -> pl.Expr:
    """Characters of the text inside URLs (0 where there is none): counted on the texts holding a URL_GATE only."""
    return on_gated_rows(text, URL_GATE, _url_chars, dtype=pl.UInt32, otherwise=0)


def _url_chars(text: pl.Expr) -> pl.Expr:
    return text.str.extract_all(URL_PATTERN).list.eval(pl.element().str.len_chars()).list.sum()


@check("max_special_char_ratio")
def max_special_char_ratio(
    text: pl.Expr,
    max_ratio: Annotated[float, RATIO, THRESHOLD] = 0.5,
    min_chars: Annotated[int, NON_NEGATIVE] = 20,
) -> Check:
    """Share of non-space characters outside fenced code that are not letters, digits or punctuation
    (not judged where the instruction asks for code, a regex, markup, a table or other notation)."""
    reply = prose(text)
    metric = unless_asked(
        ASKS_FOR_NOTATION, text, counted_ratio(reply, "special", min_chars), beyond=0.2, direction="max"
    )
    return metric_check(metric, max_ratio, "max", span=reply.str.extract(f"{SPECIAL_CLASS}{{3,}}", 0))


@check("min_alnum_ratio")
def min_alnum_ratio(
    text: pl.Expr,
    min_ratio: Annotated[float, RATIO, THRESHOLD] = 0.3,
    min_chars: Annotated[int, NON_NEGATIVE] = 20,
) -> Check:
    """Share of non-space characters that are letters or digits (any script); fails below min_ratio
    (not judged where the instruction asks for code, a regex, markup, a table or other notation)."""
    metric = unless_asked(
        ASKS_FOR_NOTATION, text, counted_ratio(text, "alnum", min_chars), beyond=0.6, direction="min"
    )
    return metric_check(metric, min_ratio, "min")


@check("max_digit_ratio")
def max_digit_ratio(
    text: pl.Expr,
    max_ratio: Annotated[float, RATIO, THRESHOLD] = 0.6,
    min_chars: Annotated[int, NON_NEGATIVE] = 40,
) -> Check:
    """Share of non-space characters that are digits (any script's decimal digits); not judged where the
    instruction asks for numbers, arithmetic, a table or code."""
    metric = unless_asked(
        ASKS_FOR_NUMBERS, text, counted_ratio(text, "digits", min_chars), beyond=0.3, direction="max"
    )
    return metric_check(metric, max_ratio, "max", span=text.str.extract(r"[\p{Nd}\s.,:-]{20,}", 0))


@check("max_url_ratio")
def max_url_ratio(
    text: pl.Expr,
    max_ratio: Annotated[float, RATIO, THRESHOLD] = 0.5,
    min_chars: Annotated[int, NON_NEGATIVE] = 20,
) -> Check:
    """Share of characters that belong to URLs (http(s)://, ftp://, www.); not judged where the instruction
    asks for links, sources, references or a web page."""
    metric = unless_asked(
        ASKS_FOR_LINKS,
        text,
        counted_ratio(text, url_chars(text), min_chars, per="chars"),
        beyond=0.2,
        direction="max",
    )
    return metric_check(metric, max_ratio, "max", span=text.str.extract(URL_PATTERN, 0))
