"""Per text: the longest run of one repeated run-candidate character (`unicode_classes.RUN`), or null
when no such character repeats `shortest` times in a row (the run is then not measured)."""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_strings import utf8_buffers, with_nulls
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.unicode_classes import RUN, class_table
from winnow.curation.kernels.utf8 import decode


@compiled
def _longest(data: np.ndarray, offsets: np.ndarray, table: np.ndarray, out: np.ndarray) -> None:
    for row in range(len(offsets) - 1):
        i = offsets[row]
        end = offsets[row + 1]
        longest = 0
        run = 0
        previous = -1
        while i < end:
            cp, i = decode(data, i)
            if cp == previous:
                run += 1
            else:
                previous = cp if table[cp] & RUN else -1
                run = 1
            if previous >= 0 and run > longest:
                longest = run
        out[row] = longest


def longest_run_series(texts: pl.Series, shortest: int) -> pl.Series:
    """Longest run per text (Int64); null for a null text or when every run is shorter than `shortest`."""
    buffers = utf8_buffers(texts)
    out = np.zeros(buffers.rows, dtype=np.int64)
    _longest(buffers.data, buffers.offsets, class_table(), out)
    measured = out >= shortest
    valid = measured if buffers.valid is None else measured & buffers.valid
    return with_nulls(texts.name, out, valid)
