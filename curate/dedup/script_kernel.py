"""Which texts dedup shingles by character: `cjk_share(text) >= threshold` in one compiled pass.

    flags = by_character(texts, threshold=0.3)     # Boolean per text, False for null ... as the expression

The rule stays `winnow.curation.dedup.normalize.cjk_share` (the share of non-space characters among the first
SCRIPT_SAMPLE_CHARS that are Han, kana or Hangul). Polars runs it as four regex and slicing passes (~4 ms a
call on 2k conversation texts, three calls a dedup run); here each of the first characters is looked up once
in the class table, whose SPACE and BY_CHARACTER bits Polars' own regexes (`\\s`, CJK_PATTERN) filled, and the
share is the same float64 division. tests/dedup/test_dedup_script_kernel.py holds the two equal.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.dedup.normalize import SCRIPT_SAMPLE_CHARS
from winnow.curation.kernels.arrow_strings import utf8_buffers
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.unicode_classes import BY_CHARACTER, SPACE, class_table
from winnow.curation.kernels.utf8 import decode


@compiled
def _shares(
    data: np.ndarray, offsets: np.ndarray, valid: np.ndarray, table: np.ndarray, sample: int
) -> np.ndarray:
    """Per row, the share of non-space characters among its first `sample` that have BY_CHARACTER (0.0 for
    a null row or one without such characters)."""
    rows = len(offsets) - 1
    out = np.zeros(rows, dtype=np.float64)
    for row in range(rows):
        if not valid[row]:
            continue
        p, hi = offsets[row], offsets[row + 1]
        seen, spaces, hits = 0, 0, 0
        while p < hi and seen < sample:
            c, p = decode(data, p)
            seen += 1
            bits = table[c]
            if bits & SPACE:
                spaces += 1
            elif bits & BY_CHARACTER:
                hits += 1
        if seen > spaces:
            out[row] = hits / (seen - spaces)
    return out


def by_character(texts: pl.Series, *, threshold: float) -> pl.Series:
    """`cjk_share(texts) >= threshold` per text (a null text's share is 0)."""
    buffers = utf8_buffers(texts)
    shares = _shares(buffers.data, buffers.offsets, buffers.valid_rows(), class_table(), SCRIPT_SAMPLE_CHARS)
    return pl.Series("is_cjk", shares >= threshold)
