"""Placing a few rows' values in a whole column (winnow.curation.placement)."""

from __future__ import annotations

import polars as pl

from winnow.curation.placement import null_elsewhere_index, rows_replaced


def test_index_points_each_chosen_row_at_its_value_and_is_null_elsewhere() -> None:
    index = null_elsewhere_index(6, pl.Series([1, 4, 5], dtype=pl.UInt32))
    assert index.to_list() == [None, 0, None, None, 1, 2]
    values = pl.Series("v", [["a"], [], ["b", "c"]])
    assert values.gather(index).to_list() == [None, ["a"], None, None, [], ["b", "c"]]
    assert null_elsewhere_index(3, pl.Series([], dtype=pl.UInt32)).to_list() == [None, None, None]


def test_rows_replaced_puts_values_in_place_for_strings_and_lists() -> None:
    rows = pl.Series([1, 3], dtype=pl.UInt32)
    words = pl.Series("w", ["a", "b", None, "d"])
    assert rows_replaced(words, rows, pl.Series(["x", None])).to_list() == ["a", "x", None, None]
    assert words.to_list() == ["a", "b", None, "d"]  # the column given is untouched
    lists = pl.concat([pl.Series("l", [["a"], []]), pl.Series("l", [None, ["d", "e"]])], rechunk=False)
    out = rows_replaced(lists, rows, pl.Series([["x", "y"], []]))
    assert (out.name, out.to_list()) == ("l", [["a"], ["x", "y"], None, []])
