"""Per text, in one pass: characters, non-space characters, alphanumerics, digits, special characters and
symbols (the classes of `curate.kernels.unicode_classes`), as a Struct column.

Replaces one regex pass per class (each ~2.5 ns per byte; this pass does them all at ~1 ns per byte).
"""

from __future__ import annotations

from typing import Final

import numba
import numpy as np
import polars as pl

from curate.kernels.arrow_strings import utf8_buffers, with_nulls
from curate.kernels.unicode_classes import ALNUM, DIGIT, SPACE, SPECIAL, SYMBOL, class_table
from curate.kernels.utf8 import decode

FIELDS: Final = ("chars", "nonspace", "alnum", "digits", "special", "symbols")
STRUCT: Final = pl.Struct({name: pl.Int64 for name in FIELDS})


@numba.njit(nogil=True, cache=True)
def _count(data: np.ndarray, offsets: np.ndarray, table: np.ndarray, out: np.ndarray) -> None:
    for row in range(len(offsets) - 1):
        i = offsets[row]
        end = offsets[row + 1]
        chars = spaces = alnum = digits = special = symbols = 0
        while i < end:
            cp, i = decode(data, i)
            bits = table[cp]
            chars += 1
            if bits & SPACE:
                spaces += 1
            if bits & ALNUM:
                alnum += 1
            if bits & DIGIT:
                digits += 1
            if bits & SPECIAL:
                special += 1
            if bits & SYMBOL:
                symbols += 1
        out[row, 0] = chars
        out[row, 1] = chars - spaces
        out[row, 2] = alnum
        out[row, 3] = digits
        out[row, 4] = special
        out[row, 5] = symbols


def char_counts_series(texts: pl.Series) -> pl.Series:
    """Struct{chars, nonspace, alnum, digits, special, symbols} per text; null fields for a null text."""
    buffers = utf8_buffers(texts)
    out = np.zeros((buffers.rows, len(FIELDS)), dtype=np.int64)
    _count(buffers.data, buffers.offsets, class_table(), out)
    columns = [with_nulls(name, out[:, k], buffers.valid) for k, name in enumerate(FIELDS)]
    return pl.struct(columns, eager=True).alias(texts.name)


def char_counts(text: pl.Expr) -> pl.Expr:
    """`char_counts_series` as an elementwise expression."""
    return text.map_batches(char_counts_series, return_dtype=STRUCT, is_elementwise=True)
