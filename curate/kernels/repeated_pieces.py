"""Gopher's duplicate line and paragraph fractions per text, compiled: the share of non-blank pieces
(lines, or blank-line separated paragraphs) that repeat an earlier piece of the same text.

Exactly the Polars definition it replaced (winnow.curation.checks.repetition): a text is judged when it has at
least `minimum - 1` separators (`\\n` for lines; `\\n[ \\t]*\\n\\s*` for paragraphs, matched leftmost and
greedily as the regex engine does); it is split at the separators and at NUL characters, each piece is
stripped of whitespace (Unicode White_Space), blank pieces are left out, and the value is repeated
pieces / pieces when at least `minimum` remain (else null). Pieces are compared by hash and then byte
for byte, so equal hashes of different pieces never count as a repeat.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_strings import utf8_buffers, with_nulls
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.hashing import FNV_OFFSET, FNV_PRIME, table_mask
from winnow.curation.kernels.unicode_classes import SPACE, class_table
from winnow.curation.kernels.utf8 import decode

LINES = 0
PARAGRAPHS = 1


@compiled
def _separator_end(data: np.ndarray, i: int, end: int, table: np.ndarray) -> int:
    """End of the paragraph separator `\\n[ \\t]*\\n\\s*` starting at byte i (a newline), or -1."""
    j = i + 1
    while j < end and (data[j] == 32 or data[j] == 9):
        j += 1
    if j >= end or data[j] != 10:
        return -1
    j += 1
    while j < end:
        cp, after = decode(data, j)
        if not table[cp] & SPACE:
            break
        j = after
    return j


@compiled
def _same(data: np.ndarray, a: int, a_end: int, b: int, b_end: int) -> bool:
    if a_end - a != b_end - b:
        return False
    for k in range(a_end - a):  # noqa: SIM110 - numba compiles the loop, not a generator in all()
        if data[a + k] != data[b + k]:
            return False
    return True


@compiled
def _fractions(
    data: np.ndarray,
    offsets: np.ndarray,
    longest: int,
    table: np.ndarray,
    mode: int,
    minimum: int,
    out: np.ndarray,
    judged: np.ndarray,
) -> None:
    starts = np.empty(longest + 2, dtype=np.int64)
    ends = np.empty(longest + 2, dtype=np.int64)
    hashes = np.empty(longest + 2, dtype=np.uint64)
    size = table_mask(longest + 2) + 1
    stamps = np.zeros(size, dtype=np.int64)
    slots = np.empty(size, dtype=np.int64)  # the piece a slot holds
    for row in range(len(offsets) - 1):
        start = offsets[row]
        end = offsets[row + 1]
        newlines = 0
        for k in range(start, end):
            if data[k] == 10:
                newlines += 1
        # each separator holds one newline (lines) or two (paragraphs): too few, and the text is not judged
        if newlines < (minimum - 1) * (1 if mode == LINES else 2):
            continue
        separators = 0
        pieces = 0
        first = -1  # byte where the current piece's non-space text starts (-1: none yet)
        last = -1  # byte after its last non-space character
        h = FNV_OFFSET
        i = start
        while True:
            cut = i >= end
            next_i = i
            if not cut:
                b = data[i]
                if b == 10:
                    if mode == LINES:
                        separators += 1
                        cut = True
                        next_i = i + 1
                    else:
                        after = _separator_end(data, i, end, table)
                        if after >= 0:
                            separators += 1
                            cut = True
                            next_i = after
                elif b == 0:
                    cut = True
                    next_i = i + 1
            if cut:
                if first >= 0:
                    h = FNV_OFFSET
                    for k in range(first, last):
                        h = (h ^ np.uint64(data[k])) * FNV_PRIME
                    starts[pieces] = first
                    ends[pieces] = last
                    hashes[pieces] = h
                    pieces += 1
                first = -1
                last = -1
                if i >= end:
                    break
                i = next_i
                continue
            cp, after = decode(data, i)
            if not table[cp] & SPACE:
                if first < 0:
                    first = i
                last = after
            i = after
        if separators < minimum - 1 or pieces < minimum:
            continue
        mask = table_mask(pieces)
        repeated = 0
        for p in range(pieces):
            slot = np.int64(hashes[p] & np.uint64(mask))
            while stamps[slot] == row + 1:
                q = slots[slot]
                if hashes[q] == hashes[p] and _same(data, starts[q], ends[q], starts[p], ends[p]):
                    repeated += 1
                    break
                slot = (slot + 1) & mask
            else:
                stamps[slot] = row + 1
                slots[slot] = p
        judged[row] = True
        out[row] = repeated / pieces


def repeated_fraction_series(texts: pl.Series, *, mode: int, minimum: int) -> pl.Series:
    """Per text: repeated pieces / pieces (`LINES` or `PARAGRAPHS`), null where not judged."""
    buffers = utf8_buffers(texts)
    out = np.zeros(buffers.rows, dtype=np.float64)
    judged = np.zeros(buffers.rows, dtype=np.bool_)
    _fractions(buffers.data, buffers.offsets, buffers.longest, class_table(), mode, minimum, out, judged)
    valid = judged if buffers.valid is None else judged & buffers.valid
    return with_nulls(texts.name, out, valid)
