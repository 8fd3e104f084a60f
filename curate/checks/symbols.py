"""Emoji and symbol floods: a reply that is mostly pictographs or dingbats is not language.

Gopher drops documents whose symbol-to-word ratio exceeds 0.1 (for "#" and "…"); here the symbols are
emoji and other pictographic/"other symbol" characters (\\p{Extended_Pictographic}, \\p{So}), counted per
non-space character. Math symbols (\\p{Sm}: + = <) and currency are not counted: they are content.
A reply whose instruction asks for emoji or symbols is not judged (curate/checks/asked_form.py).
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

from winnow.curation.checks.asked_form import ASKS_FOR_EMOJI, unless_asked
from winnow.curation.checks.params import NON_NEGATIVE, RATIO, THRESHOLD
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import counted_ratio, metric_check
from winnow.curation.kernels.unicode_classes import SYMBOL_CLASS


@check("max_symbol_ratio")
def max_symbol_ratio(
    text: pl.Expr,
    max_ratio: Annotated[float, RATIO, THRESHOLD] = 0.1,
    min_chars: Annotated[int, NON_NEGATIVE] = 20,
) -> Check:
    """Share of non-space characters that are emoji or other pictographic symbols (Gopher: 0.1)."""
    metric = unless_asked(
        ASKS_FOR_EMOJI, text, counted_ratio(text, "symbols", min_chars), beyond=0.05, direction="max"
    )
    return metric_check(metric, max_ratio, "max", span=text.str.extract(f"{SYMBOL_CLASS}{{3,}}", 0))
