"""Comparing texts after case folding, inside compiled kernels: the characters of a text lowercased as
Polars' `str.to_lowercase` does, with some classes left out, written into a scratch buffer.

Lowercasing is per character with two exceptions: U+0130 (İ) becomes two characters (i + U+0307), which
the kernels write out, and Σ becomes σ or ς depending on the letters around it, which they do not
decide: a kernel reports a text with a Σ as undecided and the check falls back to its Polars expression.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.unicode_classes import CAPITAL_SIGMA, DOTTED_CAPITAL_I
from winnow.curation.kernels.utf8 import decode

COMBINING_DOT_ABOVE = 0x307
UNDECIDED = -1  # returned by `fold` for a text with a Σ
# A kernel's answer per row: NO, YES, or UNDECIDED_ROW when a Σ decides it (see `flags_deciding_sigma`).
NO = 0
YES = 1
UNDECIDED_ROW = 2


def flags_deciding_sigma(
    answers: pl.Series, values: pl.Series, fallback: Callable[[pl.Series], pl.Series]
) -> pl.Series:
    """True where a kernel answered YES; on the rows it left UNDECIDED_ROW, `fallback` (the check's Polars
    definition) of those rows of `values` decides (null counts as False)."""
    flags = (answers == YES).alias(values.name)
    undecided = (answers == UNDECIDED_ROW).arg_true()
    if len(undecided):
        flags = flags.scatter(undecided, fallback(values.gather(undecided)).fill_null(False))
    return flags


@compiled
def lowered(cp: int, lower: np.ndarray) -> tuple[np.int64, np.int64]:
    """The lowercase of `cp` as (first, second): second is -1 except for İ, which lowers to i + U+0307.
    (Σ is not decided here: callers stop at it.) Both int64, so that numba can loop over the pair."""
    second = COMBINING_DOT_ABOVE if cp == DOTTED_CAPITAL_I else -1
    return np.int64(lower[cp]), np.int64(second)


@compiled
def fold(
    data: np.ndarray,
    start: int,
    end: int,
    table: np.ndarray,
    lower: np.ndarray,
    drop: int,
    out: np.ndarray,
) -> int:
    """Lowercased characters of data[start:end] whose class bits (after lowercasing) are not in `drop`,
    written to `out`; returns how many, or UNDECIDED when the text holds a Σ."""
    n = 0
    i = start
    while i < end:
        cp, i = decode(data, i)
        if cp == CAPITAL_SIGMA:
            return UNDECIDED
        for c in lowered(cp, lower):
            if c >= 0 and not table[c] & drop:
                out[n] = c
                n += 1
    return n


@compiled
def equal(a: np.ndarray, a_len: int, b: np.ndarray, b_len: int) -> bool:
    if a_len != b_len:
        return False
    for k in range(a_len):  # noqa: SIM110 - numba compiles the loop, not a generator in all()
        if a[k] != b[k]:
            return False
    return True


@compiled
def fold_equals(
    data: np.ndarray,
    start: int,
    end: int,
    table: np.ndarray,
    lower: np.ndarray,
    drop: int,
    target: np.ndarray,
    target_len: int,
) -> int:
    """1 when `fold` of data[start:end] equals target[:target_len], else 0 (UNDECIDED for a Σ read before
    the texts differ). Stops at the first difference: a Σ after it cannot change the answer, since only
    the Σ's own lowercase depends on its context."""
    n = 0
    i = start
    while i < end:
        cp, i = decode(data, i)
        if cp == CAPITAL_SIGMA:
            return UNDECIDED
        for c in lowered(cp, lower):
            if c >= 0 and not table[c] & drop:
                if n >= target_len or target[n] != c:
                    return 0
                n += 1
    return 1 if n == target_len else 0
