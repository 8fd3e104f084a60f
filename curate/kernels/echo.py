"""Per row: is the reply an echo of the prompt, compared "comparable" (lowercased, without whitespace,
without surrounding . 。 ! ！ ? ？, as winnow.curation.checks.sanity_echo)? One compiled pass over the three texts.

YES when the reply is non-empty and equals the instruction, or equals a non-empty input, or opens with an
instruction of at least `min_prefix_chars` comparable characters. UNDECIDED when one of the texts holds
a Σ (see winnow.curation.kernels.casefold): the check computes those rows with its Polars expression.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_strings import Utf8Buffers, utf8_buffers
from winnow.curation.kernels.casefold import NO, UNDECIDED, UNDECIDED_ROW, YES, fold, lowered
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.unicode_classes import (
    CAPITAL_SIGMA,
    SPACE,
    class_table,
    lowercase_table,
)
from winnow.curation.kernels.utf8 import decode

_STRIPPED = np.array([ord(c) for c in ".。!！?？"], dtype=np.int32)


@compiled
def _stripped(c: int | np.int64) -> bool:
    for s in _STRIPPED:  # noqa: SIM110 - numba compiles the loop, not a generator in any()
        if c == s:
            return True
    return False


@compiled
def _comparable(
    data: np.ndarray, start: int, end: int, table: np.ndarray, lower: np.ndarray, buffer: np.ndarray
) -> tuple[int, int]:
    """(first, end) of the comparable text in `buffer`, or (UNDECIDED, 0)."""
    n = fold(data, start, end, table, lower, SPACE, buffer)
    if n == UNDECIDED:
        return UNDECIDED, 0
    first = 0
    while first < n and _stripped(buffer[first]):
        first += 1
    while n > first and _stripped(buffer[n - 1]):
        n -= 1
    return first, n


@compiled
def _reply_echoes(
    data: np.ndarray,
    start: int,
    end: int,
    table: np.ndarray,
    lower: np.ndarray,
    ask: np.ndarray,
    asked: int,
    given: np.ndarray,
    gave: int,
    min_prefix_chars: int,
) -> int:
    """YES / NO / UNDECIDED_ROW for a reply against the comparable instruction (`asked` characters, -1:
    none) and input (`gave`, -1: none), reading the reply only until the answer is known."""
    equal_ask = asked >= 0
    equal_given = gave > 0
    opening = asked >= 0 and asked >= min_prefix_chars  # can it still open with the instruction?
    k = 0  # comparable characters of the reply read, after its leading . ! ? run
    replied = False  # a character that survives the strip: the reply is not empty
    i = start
    while i < end:
        cp, i = decode(data, i)
        if cp == CAPITAL_SIGMA:
            return UNDECIDED_ROW
        for c in lowered(cp, lower):
            if c < 0 or table[c] & SPACE:
                continue
            kept = not _stripped(c)
            if k == 0 and not kept:
                continue  # the leading strip
            replied = replied or kept
            if equal_ask:
                equal_ask = (k < asked and c == ask[k]) or (k >= asked and not kept)
            if equal_given:
                equal_given = (k < gave and c == given[k]) or (k >= gave and not kept)
            if opening and k < asked:
                opening = c == ask[k]
                if opening and k == asked - 1:
                    return YES  # the instruction's last character is kept: the reply is not empty
            k += 1
            if not (equal_ask or equal_given or opening):
                return NO
    if not replied:
        return NO
    if (equal_ask and k >= asked) or (equal_given and k >= gave) or (opening and asked == 0):
        return YES
    return NO


@compiled
def _echoes(
    reply_text: tuple[np.ndarray, np.ndarray, np.ndarray],
    ask_text: tuple[np.ndarray, np.ndarray, np.ndarray],
    given_text: tuple[np.ndarray, np.ndarray, np.ndarray],
    longest: int,
    table: np.ndarray,
    lower: np.ndarray,
    min_prefix_chars: int,
    out: np.ndarray,
) -> None:
    ask = np.empty(longest, dtype=np.int32)
    given = np.empty(longest, dtype=np.int32)
    r_data, r_offsets, r_valid = reply_text
    i_data, i_offsets, i_valid = ask_text
    n_data, n_offsets, n_valid = given_text
    for row in range(len(out)):
        out[row] = NO
        if not r_valid[row]:
            continue
        i0, i1 = -2, -2  # no instruction (-1 is UNDECIDED): asked = -1
        if i_valid[row]:
            i0, i1 = _comparable(i_data, i_offsets[row], i_offsets[row + 1], table, lower, ask)
        n0, n1 = -2, -2
        if n_valid[row]:
            n0, n1 = _comparable(n_data, n_offsets[row], n_offsets[row + 1], table, lower, given)
        if i0 == UNDECIDED or n0 == UNDECIDED:
            out[row] = UNDECIDED_ROW
            continue
        out[row] = _reply_echoes(
            r_data,
            r_offsets[row],
            r_offsets[row + 1],
            table,
            lower,
            ask[max(i0, 0) :],
            i1 - i0 if i0 >= 0 else -1,
            given[max(n0, 0) :],
            n1 - n0 if n0 >= 0 else -1,
            min_prefix_chars,
        )


def _columns(buffers: Utf8Buffers) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return buffers.data, buffers.offsets, buffers.valid_rows()


def echo_series(texts: pl.Series, *, min_prefix_chars: int) -> pl.Series:
    """NO / YES / UNDECIDED_ROW per row (UInt8) of a Struct{reply, instruction, input} column."""
    buffers = [utf8_buffers(texts.struct.field(name)) for name in ("reply", "instruction", "input")]
    reply, ask, given = (_columns(b) for b in buffers)
    # scratch for one text's comparable characters: at most one per byte
    longest = max(1, *(b.longest for b in buffers))
    out = np.zeros(texts.len(), dtype=np.uint8)
    _echoes(reply, ask, given, longest, class_table(), lowercase_table(), min_prefix_chars, out)
    return pl.Series(texts.name, out)
