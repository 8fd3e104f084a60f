"""Runs of one repeated character: "啊啊啊啊啊啊", "1111111", "!!!!!!!!".

Polars regexes are Rust regexes without backreferences, so `(.)\\1{n,}` cannot be written. Instead the
pattern is a bounded alternation, one `c{4,}` per character of the set that garbage runs are made of
(printable ASCII, Latin-1 letters, CJK and full-width punctuation, kana, Chinese interjections such as
啊哈呵嘿嗯哦, Korean ㅋ/ㅎ; ~500 alternatives that compile to one automaton): `extract_all` returns every
run and the metric is the longest, or null when there is no run of 4 or more ("not measured").
Measured on 100k real replies: 3.6x faster than splitting candidate rows into characters and
run-length encoding them, with identical results. Runs of other ideographs are not detected (covering
all 21k CJK ideographs would make the automaton too large); whitespace runs are indentation, not garbage.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated

import polars as pl

from curate.checks.params import Range
from curate.checks.registry import Check, check
from curate.checks.textexpr import metric_check

DETECT_RUN = 4  # shortest run measured; max_run may not go below DETECT_RUN - 1

_CANDIDATE_RANGES = (
    (0x21, 0x7E),  # printable ASCII without space
    (0xC0, 0xFF),  # Latin-1 letters
    (0x3001, 0x303F),  # CJK punctuation
    (0x3040, 0x30FF),  # kana
    (0xFF01, 0xFF5E),  # full-width forms
)
# Interjections and onomatopoeia that floods in Chinese chat data are made of; Korean laughter.
_CANDIDATE_CHARS = (
    "啊哈呵嘿嗯哦呜嘻哎唉喔噢嘤额呃哇咯嘛呀吧呢哼嗷咳喂嗨哟哩嘞咦嘘嗒滴叮咚咕噜汪喵呼嘎哭笑赞顶ㅋㅎ"
)


@functools.cache
def candidate_characters() -> tuple[str, ...]:
    chars = {chr(c) for low, high in _CANDIDATE_RANGES for c in range(low, high + 1)} | set(_CANDIDATE_CHARS)
    return tuple(sorted(chars))


@functools.cache
def run_pattern() -> str:
    """`!{4,}|"{4,}|…|啊{4,}|…`: a run of 4+ of any one covered character."""
    return "|".join(f"{re.escape(c)}{{{DETECT_RUN},}}" for c in candidate_characters())


def longest_run(text: pl.Expr) -> pl.Expr:
    """Longest run of one covered character; null where none repeats 4 times in a row."""
    return text.str.extract_all(run_pattern()).list.eval(pl.element().str.len_chars()).list.max()


@check("max_char_run")
def max_char_run(text: pl.Expr, max_run: Annotated[int, Range(DETECT_RUN - 1, None)] = 12) -> Check:
    """Longest run of one repeated character ("啊啊啊啊", "1111"); fails above max_run."""
    return metric_check(longest_run(text), max_run, "max", span=text.str.extract(run_pattern(), 0))
