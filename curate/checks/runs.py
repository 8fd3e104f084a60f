"""Runs of one repeated character: "啊啊啊啊啊啊", "1111111", "!!!!!!!!".

Polars regexes are Rust regexes without backreferences, so `(.)\\1{n,}` cannot be written. Instead:
1. a row is a candidate when it contains four of one character from the set that garbage runs are made
   of (printable ASCII, Latin-1 letters, CJK and full-width punctuation, kana, Chinese interjections such
   as 啊哈呵嘿嗯哦, Korean ㅋ/ㅎ): one Aho-Corasick pass (`str.contains_any`) over ~500 literal patterns.
   Covering every CJK ideograph (33k patterns) measured 3x slower for the few extra rows it finds, so runs
   of other ideographs are not detected (documented limitation);
2. on candidate rows only, the text is split into characters and run-length encoded (`rle`) to get the
   exact longest run of a non-space character. Other rows get a null metric ("no run of 4 or more").
Whitespace runs are indentation, not garbage, and are ignored.
"""

from __future__ import annotations

import functools
from typing import Annotated

import polars as pl

from curate.checks.params import Range
from curate.checks.registry import Check, check
from curate.checks.textexpr import metric_check

DETECT_RUN = 4  # shortest run the candidate pass finds; max_run may not go below DETECT_RUN - 1

_CANDIDATE_RANGES = (
    (0x21, 0x7E),  # printable ASCII without space
    (0xC0, 0xFF),  # Latin-1 letters
    (0x3001, 0x303F),  # CJK punctuation
    (0x3040, 0x30FF),  # kana
    (0xFF01, 0xFF5E),  # full-width forms
)
# Interjections and onomatopoeia that floods in Chinese chat data are made of; Korean laughter.
_CANDIDATE_CHARS = (
    "啊哈呵嘿嗯哦呜嘻哎唉喔噢嘤额呃哇咯嘛呀吧呢哼嗷咳喂嗨哟哩嘞咦嘘嗒滴叮咚咕噜汪喵呼嘎哭笑赞顶666ㅋㅎ"
)


@functools.cache
def candidate_patterns() -> tuple[str, ...]:
    """Every `cccc` for the characters the candidate pass covers."""
    chars = {chr(c) for low, high in _CANDIDATE_RANGES for c in range(low, high + 1)} | set(_CANDIDATE_CHARS)
    return tuple(c * DETECT_RUN for c in sorted(chars))


def longest_run(text: pl.Expr) -> pl.Expr:
    """Longest run of one non-space character; null where no covered character repeats 4 times."""
    candidate = text.str.contains_any(list(candidate_patterns()))
    # Non-candidates are replaced by "" before the split so that only candidate rows pay for it.
    letters = pl.when(candidate).then(text).otherwise(pl.lit("")).str.split("")
    runs = pl.element().rle()
    solid = runs.filter(runs.struct.field("value").str.contains(r"^\S$"))
    longest = letters.list.agg(solid.struct.field("len").max())
    return pl.when(candidate).then(longest)


@check("max_char_run")
def max_char_run(text: pl.Expr, max_run: Annotated[int, Range(DETECT_RUN - 1, None)] = 12) -> Check:
    """Longest run of one repeated non-space character ("啊啊啊啊", "1111"); fails above max_run."""
    # A span of the run itself would need a backreference; show a window of the text instead.
    return metric_check(longest_run(text), max_run, "max")
