"""Per text: does an opening bracket or quote outnumber its closing one? One compiled pass counting the
pairs of winnow.curation.checks.sanity_truncated.BRACKETS (each side a set of characters: "(" and "（" open the
same pair) instead of one regex pass per side."""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_strings import utf8_buffers, with_nulls
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.utf8 import decode


def side_table(pairs: tuple[tuple[str, str], ...]) -> np.ndarray:
    """int8 per code point below 0x10000: 2*pair+1 for an opener, 2*pair+2 for a closer, 0 otherwise."""
    table = np.zeros(0x10000, dtype=np.int8)
    for pair, (openers, closers) in enumerate(pairs):
        for side, characters in ((1, openers), (2, closers)):
            for c in characters:
                if ord(c) >= len(table) or table[ord(c)]:
                    raise ValueError(f"bracket character {c!r} is outside the BMP or in two pairs")
                table[ord(c)] = 2 * pair + side
    return table


@compiled
def _unclosed(data: np.ndarray, offsets: np.ndarray, sides: np.ndarray, pairs: int, out: np.ndarray) -> None:
    counts = np.zeros(2 * pairs + 1, dtype=np.int64)
    for row in range(len(offsets) - 1):
        counts[:] = 0
        i = offsets[row]
        end = offsets[row + 1]
        while i < end:
            # an ASCII byte is its own code point (no decoding); only bracket characters are counted (~35%
            # faster than decoding every character and counting the others in slot 0)
            b = data[i]
            if b < 0x80:
                side = sides[b]
                i += 1
            else:
                cp, i = decode(data, i)
                side = sides[cp] if cp < len(sides) else 0
            if side:
                counts[side] += 1
        unclosed = False
        for pair in range(pairs):
            if counts[2 * pair + 1] > counts[2 * pair + 2]:
                unclosed = True
        out[row] = unclosed


def unclosed_series(texts: pl.Series, *, pairs: tuple[tuple[str, str], ...]) -> pl.Series:
    """Boolean per text: some pair's openers outnumber its closers; null for a null text. `pairs` are
    (openers, closers) character sets."""
    buffers = utf8_buffers(texts)
    out = np.zeros(buffers.rows, dtype=np.bool_)
    _unclosed(buffers.data, buffers.offsets, side_table(pairs), len(pairs), out)
    return with_nulls(texts.name, out, buffers.valid)
