"""Garbled text: replacement characters, private-use code points, stray control characters and the
tell-tale sequences of text decoded with the wrong encoding.

    U+FFFD            bytes that were not valid UTF-8 somewhere upstream
    \\p{Co}            private-use code points (font-specific glyphs, broken conversions)
    C0/C1 controls    other than tab/newline/carriage return
    "Ã©", "Ã¨", "Â "  UTF-8 read as Latin-1/cp1252 (mojibake of é, è, NBSP)
    "â€™", "â€œ"      UTF-8 quotes read as cp1252
    "锟斤拷", "烫烫烫", "屯屯屯"  GBK/MSVC artefacts of U+FFFD and uninitialised memory
The metric is the number of such markers; the default allows none.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

from curate.checks.params import NON_NEGATIVE
from curate.checks.registry import Check, check
from curate.checks.textexpr import metric_check

MOJIBAKE_PATTERN = (
    r"\x{FFFD}"
    r"|\p{Co}"
    r"|[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
    r"|[ÂÃ][\x{80}-\x{BF}\x{A0}-\x{BF}©®¨ª«¬­¯°±²³´µ¶·¸¹º»¼½¾¿€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]"
    r"|â€[\x{80}-\x{BF}™œ˜¦¢“”\x{9D}]"
    r"|锟斤拷|烫烫烫|屯屯屯"
)


@check("mojibake")
def mojibake(text: pl.Expr, max_count: Annotated[int, NON_NEGATIVE] = 0) -> Check:
    """Count of garbled-text markers (U+FFFD, private use, control chars, "Ã©", "â€™", "锟斤拷")."""
    count = text.str.count_matches(MOJIBAKE_PATTERN)
    return metric_check(count, max_count, "max", span=text.str.extract(MOJIBAKE_PATTERN, 0))
