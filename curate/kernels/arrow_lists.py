"""A Polars List[String] column as flat buffers: the strings' UTF-8 bytes and offsets, and the lists'
offsets into them (row r holds strings list_offsets[r] .. list_offsets[r + 1] - 1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from winnow.curation.arrow_arrays import offsets_of, valid_mask
from winnow.curation.kernels.arrow_strings import Utf8Buffers, arrow_utf8_buffers


@dataclass(frozen=True)
class ListBuffers:
    strings: Utf8Buffers  # every string of every list, in order (`valid` marks null strings)
    list_offsets: np.ndarray  # int64, one more than rows
    valid: np.ndarray | None  # bool per row (None: no null list)

    @property
    def rows(self) -> int:
        return len(self.list_offsets) - 1


def list_buffers(series: pl.Series) -> ListBuffers:
    """The buffers of a List[String] column (sliced or chunked columns are made contiguous first)."""
    array = series.cast(pl.List(pl.String)).to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not isinstance(array, pa.LargeListArray):
        array = array.cast(pa.large_list(pa.large_string()))
    offsets = offsets_of(array).astype(np.int64)
    first, last = int(offsets[0]), int(offsets[-1])
    valid = None
    if array.null_count:
        valid = valid_mask(array)
    strings = arrow_utf8_buffers(array.values.slice(first, last - first))
    return ListBuffers(strings=strings, list_offsets=offsets - first, valid=valid)
