"""Arrow arrays built from numpy buffers, without `pa.array`.

`pa.array` asks pandas whether its argument is a pandas object, and that imports pandas (0.2-0.35 s, once
per process) although winnow never uses it: every `winnow curate` paid it, ~5% of a re-run. Building the
array from the numpy buffers gives the same array and imports nothing.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def from_numpy(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """`values` (a 1-d numeric or bool array) as an Arrow array, null where `valid` is False (None: no nulls)."""
    values = np.ascontiguousarray(values)
    if values.dtype == np.bool_:  # Arrow stores booleans one bit each
        data = pa.py_buffer(np.packbits(values, bitorder="little"))
        arrow_type = pa.bool_()
    else:
        data = pa.py_buffer(values)
        arrow_type = pa.from_numpy_dtype(values.dtype)
    if valid is None:
        return pa.Array.from_buffers(arrow_type, len(values), [None, data], null_count=0)
    valid = np.ascontiguousarray(valid, dtype=np.bool_)
    if len(valid) != len(values):
        raise ValueError(f"valid has {len(valid)} entries for {len(values)} values")
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    nulls = len(valid) - int(np.count_nonzero(valid))
    return pa.Array.from_buffers(arrow_type, len(values), [bitmap, data], null_count=nulls)


def valid_mask(array: pa.Array) -> np.ndarray:
    """One bool per entry of `array`: True where it is not null (read from its validity bitmap:
    `is_valid().to_numpy()` imports pandas too)."""
    bitmap = array.buffers()[0]
    if bitmap is None or array.null_count == 0:
        return np.ones(len(array), dtype=np.bool_)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + len(array)].astype(np.bool_)


def offsets_of(array: pa.Array) -> np.ndarray:
    """The offsets of a string or list array (int64 for the large types, int32 otherwise), one more than its
    entries, as a read-only view of its buffer (`array.offsets.to_numpy()` imports pandas too)."""
    large = pa.types.is_large_list(array.type) or pa.types.is_large_string(array.type)
    buffer = array.buffers()[1]
    offsets = np.frombuffer(buffer, dtype=np.int64 if large else np.int32)
    return offsets[array.offset : array.offset + len(array) + 1]
