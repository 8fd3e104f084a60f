"""A Polars String column as the flat buffers a kernel reads: UTF-8 bytes, row offsets, validity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from winnow.curation.arrow_arrays import from_numpy, offsets_of, valid_mask


@dataclass(frozen=True)
class Utf8Buffers:
    """Row i is `data[offsets[i]:offsets[i + 1]]` (valid UTF-8); `valid` is None when no row is null."""

    data: np.ndarray  # uint8
    offsets: np.ndarray  # int64, one more than rows
    valid: np.ndarray | None  # bool per row

    @property
    def rows(self) -> int:
        return len(self.offsets) - 1

    def valid_rows(self) -> np.ndarray:
        """`valid`, with every row valid when there is no null (kernels take one bool per row)."""
        return self.valid if self.valid is not None else np.ones(self.rows, dtype=np.bool_)

    @property
    def longest(self) -> int:
        """Bytes of the longest row (0 when there is none): the size of a kernel's per-row scratch."""
        return int(np.diff(self.offsets).max(initial=0))


def utf8_buffers(series: pl.Series) -> Utf8Buffers:
    """The bytes and offsets of `series` (cast to String), copied once into Arrow's large_string layout."""
    array = series.cast(pl.String).to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return arrow_utf8_buffers(array)


def arrow_utf8_buffers(array: pa.Array) -> Utf8Buffers:
    """`utf8_buffers` of an Arrow string array (any string type; large_string is read without a copy)."""
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    data_buffer = array.buffers()[2]
    offsets = offsets_of(array)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    valid = None
    if array.null_count:
        valid = valid_mask(array)
    return Utf8Buffers(data=data, offsets=offsets, valid=valid)


def with_nulls(name: str, values: np.ndarray, valid: np.ndarray | None) -> pl.Series:
    """`values` as a Polars Series, null where `valid` is False (`valid` None: no nulls)."""
    return pl.Series(name, from_numpy(values, valid))
