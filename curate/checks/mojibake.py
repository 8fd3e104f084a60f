"""Garbled text: replacement characters, private-use code points, stray control characters and the
tell-tale sequences of text decoded with the wrong encoding.

    U+FFFD            bytes that were not valid UTF-8 somewhere upstream
    \\p{Co}            private-use code points (font-specific glyphs, broken conversions)
    C0/C1 controls    other than tab/newline/carriage return
    "Ã©", "Ã¨", "Â "  UTF-8 read as Latin-1/cp1252 (mojibake of é, è, NBSP)
    "â€™", "â€œ"      UTF-8 quotes read as cp1252
    "锟斤拷", "烫烫烫", "屯屯屯"  GBK/MSVC artefacts of U+FFFD and uninitialised memory
The metric is the number of such markers (the non-overlapping matches of MOJIBAKE_PATTERN), counted in
the one compiled pass that counts character classes (`textexpr.char_counts`); the default allows none.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

from winnow.curation.checks.params import NON_NEGATIVE
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import count_of, metric_check
from winnow.curation.kernels.unicode_classes import (
    MOJIBAKE_AFTER_A_CLASS,
    MOJIBAKE_AFTER_EURO_CLASS,
    MOJIBAKE_ALONE_CLASS,
    MOJIBAKE_TRIPLES,
)

# For the spans shown in the report; winnow.curation.kernels.char_counts counts exactly its matches.
MOJIBAKE_PATTERN = (
    f"{MOJIBAKE_ALONE_CLASS}|[ÂÃ]{MOJIBAKE_AFTER_A_CLASS}|â€{MOJIBAKE_AFTER_EURO_CLASS}|"
    + "|".join(MOJIBAKE_TRIPLES)
)


@check("mojibake")
def mojibake(text: pl.Expr, max_count: Annotated[int, NON_NEGATIVE] = 0) -> Check:
    """Count of garbled-text markers (U+FFFD, private use, control chars, "Ã©", "â€™", "锟斤拷")."""
    count = count_of(text, "mojibake")
    return metric_check(count, max_count, "max", span=text.str.extract(MOJIBAKE_PATTERN, 0))
