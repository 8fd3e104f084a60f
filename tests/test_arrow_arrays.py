"""Arrow arrays from numpy buffers: the same arrays `pa.array` builds, nulls and slices included."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from winnow.curation.arrow_arrays import from_numpy, offsets_of, valid_mask


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.uint32, np.int64, np.float32, np.float64])
def test_numbers_equal_pa_array(dtype: type) -> None:
    values = np.array([3, 0, 7, 1, 9, 2, 4, 8, 5], dtype=dtype)
    valid = np.array([1, 1, 0, 1, 1, 1, 1, 1, 0], dtype=np.bool_)
    assert from_numpy(values).equals(pa.array(values))
    built = from_numpy(values, valid)
    assert built.equals(pa.array(values, mask=~valid))
    assert built.null_count == 2
    assert built.to_pylist() == [3, 0, None, 1, 9, 2, 4, 8, None]


def test_booleans_are_packed_one_bit_each() -> None:
    values = np.array([True, False, False, True, True, False, True, True, True, False])
    built = from_numpy(values, np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 1], dtype=np.bool_))
    assert built.type == pa.bool_()
    assert built.to_pylist() == [True, False, False, True, True, False, True, True, None, False]


def test_a_strided_view_is_copied_in_order() -> None:
    values = np.arange(10, dtype=np.int64)[::3]
    assert from_numpy(values).to_pylist() == [0, 3, 6, 9]


def test_valid_of_another_length_is_refused() -> None:
    with pytest.raises(ValueError, match="valid has 2 entries for 3 values"):
        from_numpy(np.zeros(3, dtype=np.int64), np.ones(2, dtype=np.bool_))


def test_valid_mask_reads_the_bitmap_of_a_slice() -> None:
    array = pa.array([1, None, 3, None, 5, 6, 7, 8, None, 10], type=pa.int64()).slice(3, 6)
    assert valid_mask(array).tolist() == [False, True, True, True, True, False]
    assert valid_mask(pa.array([1, 2], type=pa.int64())).tolist() == [True, True]


def test_offsets_of_sliced_strings_and_lists() -> None:
    strings = pa.array(["a", "bcd", "", "ef", None, "g"], type=pa.large_string()).slice(1, 4)
    assert offsets_of(strings).tolist() == [1, 4, 4, 6, 6]
    lists = pa.array([[1], [2, 3], [], [4, 5, 6]], type=pa.list_(pa.int64())).slice(1)
    assert offsets_of(lists).dtype == np.int32
    assert offsets_of(lists).tolist() == [1, 3, 3, 6]
