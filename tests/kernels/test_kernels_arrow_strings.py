"""A String column's flat buffers: offsets and bytes per row, nulls, slices and several chunks."""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_strings import utf8_buffers, with_nulls


def rows_of(series: pl.Series) -> list[bytes | None]:
    b = utf8_buffers(series)
    return [
        None if b.valid is not None and not b.valid[i] else b.data[b.offsets[i] : b.offsets[i + 1]].tobytes()
        for i in range(b.rows)
    ]


def test_rows_nulls_and_multibyte_text() -> None:
    series = pl.Series("t", ["ab", None, "", "中文", "a very long string that is not inlined in a view"])
    assert rows_of(series) == [
        b"ab",
        None,
        b"",
        "中文".encode(),
        b"a very long string that is not inlined in a view",
    ]
    assert utf8_buffers(pl.Series("t", ["x"])).valid is None  # no nulls: no mask


def test_slices_chunks_and_empty_columns() -> None:
    series = pl.Series("t", ["zero", "one", "two", "three"])
    assert rows_of(series.slice(1, 2)) == [b"one", b"two"]
    chunked = pl.concat([pl.Series("t", ["a", None]), pl.Series("t", ["bc"])], rechunk=False)
    assert chunked.n_chunks() == 2
    assert rows_of(chunked) == [b"a", None, b"bc"]
    assert rows_of(pl.Series("t", [], dtype=pl.String)) == []
    assert rows_of(pl.Series("t", [None, None])) == [None, None]  # a Null column is read as String


def test_with_nulls_masks_invalid_rows() -> None:
    values = np.array([1, 2, 3], dtype=np.int64)
    assert with_nulls("x", values, None).to_list() == [1, 2, 3]
    assert with_nulls("x", values, np.array([True, False, True])).to_list() == [1, None, 3]
