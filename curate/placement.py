"""Values of a few rows placed at their positions in a whole column, null elsewhere.

One gather through a per-row index that is null outside the chosen rows: cheaper than joining on a row
index as tall as the frame, and it keeps every dtype (lists and structs included).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.arrow_arrays import from_numpy


def null_elsewhere_index(height: int, rows: pl.Series) -> pl.Series:
    """Per row of a `height`-row frame: its position in `rows`, null for rows not in it."""
    positions = np.zeros(height, dtype=np.uint32)
    present = np.zeros(height, dtype=np.bool_)
    chosen = rows.to_numpy()
    positions[chosen] = np.arange(len(chosen), dtype=np.uint32)
    present[chosen] = True
    return pl.Series("position", from_numpy(positions, valid=present))
