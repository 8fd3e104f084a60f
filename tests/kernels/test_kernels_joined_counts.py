"""Counts of joined pieces (winnow.curation.kernels.joined_counts) equal the counts of the joined text."""

from __future__ import annotations

import polars as pl

from winnow.curation.kernels.char_counts import char_counts
from winnow.curation.kernels.joined_counts import joined_counts, newline_is_neutral
from winnow.curation.kernels.unicode_classes import class_table


def test_newline_takes_no_part_in_a_garbled_text_marker() -> None:
    assert newline_is_neutral(class_table())


def test_pieces_and_lists_of_pieces_are_counted_as_joined_by_newlines() -> None:
    frame = pl.DataFrame(
        {
            "a": ["x y", None, "", "Ã", "啊"],
            "b": [["1", "", None], ["z"], [], ["©"], None],
            "c": ["!!", "q", None, "", "ok"],
            "present": [True, True, True, False, None],
        },
        schema={"a": pl.String, "b": pl.List(pl.String), "c": pl.String, "present": pl.Boolean},
    )
    joined = pl.concat_list(pl.col("a"), pl.col("b"), pl.col("c")).list.eval(
        pl.element().filter(pl.element().str.len_bytes() > 0)
    )
    got = frame.select(joined_counts([pl.col("a"), pl.col("b"), pl.col("c")], pl.col("present")).alias("x"))
    expected = frame.select(char_counts(pl.when(pl.col("present")).then(joined.list.join("\n"))).alias("x"))
    assert got.equals(expected)
    assert got["x"].struct.field("chars").to_list() == [8, 3, 0, None, None]
    assert got["x"].struct.field("nonspace").to_list() == [5, 2, 0, None, None]
