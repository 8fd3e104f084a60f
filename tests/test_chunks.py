"""Chunk layout (winnow.curation.chunks): added columns are split like the frame's, values never change."""

from __future__ import annotations

import polars as pl

from winnow.curation.chunks import aligned, aligned_to, chunk_lengths, split_like


def two_chunk_frame() -> pl.DataFrame:
    return pl.concat(
        [pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}), pl.DataFrame({"a": [4, 5], "b": ["u", None]})],
        rechunk=False,
    )


def test_split_like_cuts_one_chunk_into_the_given_lengths() -> None:
    series = pl.Series("v", [1.0, 2.0, None, 4.0, 5.0])
    split = split_like(series, [3, 2])
    assert chunk_lengths(split) == [3, 2]
    assert split.to_list() == [1.0, 2.0, None, 4.0, 5.0]
    assert split_like(split, [3, 2]) is split  # already in those pieces
    # a series in other pieces is joined first, then cut
    regrouped = split_like(pl.concat([series.slice(0, 1), series.slice(1, 4)], rechunk=False), [3, 2])
    assert chunk_lengths(regrouped) == [3, 2]
    assert regrouped.to_list() == [1.0, 2.0, None, 4.0, 5.0]


def test_aligned_to_chunks_columns_like_the_frame() -> None:
    frame = two_chunk_frame()
    assert chunk_lengths(frame["a"]) == [3, 2]
    columns = pl.DataFrame({"m": [0.5, 0.25, 0.0, 1.0, None], "n": [1, 2, 3, 4, 5]})
    out = aligned_to(frame, columns)
    assert [chunk_lengths(out[name]) for name in out.columns] == [[3, 2], [3, 2]]
    assert out.equals(columns)
    assert frame.with_columns(out.get_columns()).select("a", "b").equals(frame)


def test_aligned_splits_only_the_columns_chunked_otherwise() -> None:
    frame = two_chunk_frame().with_columns(pl.Series("c", ["p", "q", "r", "s", "t"]))
    assert chunk_lengths(frame["c"]) == [5]
    out = aligned(frame)
    assert [chunk_lengths(out[name]) for name in out.columns] == [[3, 2], [3, 2], [3, 2]]
    assert out.equals(frame)
    assert aligned(out) is out  # nothing to do: the same frame back


def test_aligned_leaves_empty_frames_alone() -> None:
    empty = pl.DataFrame({"a": []}, schema={"a": pl.Int64})
    assert aligned(empty) is empty
