"""Pieces of the checks stage (curate.checks.stage) tested on their own."""

from __future__ import annotations

import polars as pl

from curate.checks.stage import SPAN_TYPE, _lists_at_rows


def test_lists_are_placed_at_their_rows_and_every_other_row_gets_an_empty_list() -> None:
    lists = pl.Series(
        "check_spans",
        [[{"rule": "a", "span": "x"}], [{"rule": "b", "span": "y"}, {"rule": "c", "span": None}]],
        dtype=SPAN_TYPE,
    )
    placed = _lists_at_rows(5, pl.Series([1, 3], dtype=pl.UInt32), lists)
    assert placed.name == "check_spans"
    assert placed.dtype == SPAN_TYPE
    assert placed.to_list() == [
        [],
        [{"rule": "a", "span": "x"}],
        [],
        [{"rule": "b", "span": "y"}, {"rule": "c", "span": None}],
        [],
    ]
    assert placed.null_count() == 0
    # a slice of a longer column (offsets not starting at 0) is placed the same way
    longer = pl.concat([pl.Series("check_spans", [[{"rule": "z", "span": "z"}]], dtype=SPAN_TYPE), lists])
    assert _lists_at_rows(5, pl.Series([1, 3], dtype=pl.UInt32), longer.slice(1, 2)).equals(placed)
