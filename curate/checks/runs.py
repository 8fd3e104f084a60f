"""Runs of one repeated character: "啊啊啊啊啊啊", "1111111", "!!!!!!!!".

The characters whose runs are measured are those garbage runs are made of (printable ASCII, Latin-1
letters, CJK and full-width punctuation, kana, Chinese interjections such as 啊哈呵嘿嗯哦, Korean ㅋ/ㅎ:
`winnow.curation.kernels.unicode_classes.run_characters`). Runs of other ideographs are not measured (the set was
bounded when a regex alternation did the measuring); whitespace runs are indentation, not garbage.

The metric is the longest run, from one compiled pass per text (winnow.curation.kernels.runs), or null when no
covered character repeats 4 times in a row ("not measured"). The span shown in the report comes from
a regex: Polars' Rust regexes have no backreferences, so `(.)\\1{n,}` cannot be written, and the pattern is
a bounded alternation, one `c{4,}` per covered character (~500 alternatives, one automaton).
"""

from __future__ import annotations

import functools
import re
from typing import Annotated

import polars as pl

from winnow.curation.checks.params import THRESHOLD, Range
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import metric_check
from winnow.curation.kernels.runs import longest_run_series
from winnow.curation.kernels.unicode_classes import run_characters

DETECT_RUN = 4  # shortest run measured; max_run may not go below DETECT_RUN - 1


@functools.cache
def run_pattern() -> str:
    """`!{4,}|"{4,}|…|啊{4,}|…`: a run of 4+ of any one covered character."""
    return "|".join(f"{re.escape(c)}{{{DETECT_RUN},}}" for c in run_characters())


def longest_run(text: pl.Expr) -> pl.Expr:
    """Longest run of one covered character; null where none repeats 4 times in a row."""
    measure = functools.partial(longest_run_series, shortest=DETECT_RUN)
    return text.map_batches(measure, return_dtype=pl.Int64, is_elementwise=True)


@check("max_char_run")
def max_char_run(
    text: pl.Expr, max_run: Annotated[int, Range(DETECT_RUN - 1, None), THRESHOLD] = 12
) -> Check:
    """Longest run of one repeated character ("啊啊啊啊", "1111"); fails above max_run."""
    return metric_check(longest_run(text), max_run, "max", span=text.str.extract(run_pattern(), 0))
