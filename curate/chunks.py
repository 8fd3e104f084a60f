"""Chunk layout: every column of the run's frame is split into the same pieces.

Polars keeps a column as a list of chunks. When the columns of one frame are chunked differently, each
operation on that frame (even a select of two columns) first copies its columns into aligned chunks: on
1M rows that is 0.05-0.3 s per operation, every time. Columns a stage adds (computed metrics come in
Polars' own pieces, cached ones in one piece) are therefore split like the frame's first column: slices of
one buffer, free for a column in one piece, one copy of it otherwise. One chunk for everything is not the
answer: the inputs arrive in pieces (one per file or row group), and Polars hashes a multi-chunk column on
both cores, a single-chunk one on one.
"""

from __future__ import annotations

import polars as pl

# a frame in more pieces than this is made one chunk: slicing it by a thousand pieces costs more
MAX_CHUNKS = 256


def chunk_lengths(series: pl.Series) -> list[int]:
    return [chunk.len() for chunk in series.get_chunks()]


def split_like(series: pl.Series, lengths: list[int]) -> pl.Series:
    """`series` in chunks of `lengths` (which sum to its length): zero-copy slices of its single chunk."""
    if series.n_chunks() == len(lengths) and chunk_lengths(series) == lengths:
        return series
    if series.n_chunks() > 1:
        series = series.rechunk()
    if len(lengths) <= 1:
        return series
    pieces = []
    offset = 0
    for length in lengths:
        pieces.append(series.slice(offset, length))
        offset += length
    return pl.concat(pieces, rechunk=False)


def aligned(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every column chunked like its first one (columns already so are left untouched)."""
    if frame.width == 0 or frame.height == 0:
        return frame
    first = frame.get_column(frame.columns[0])
    if first.n_chunks() > MAX_CHUNKS:
        return frame.rechunk()
    lengths = chunk_lengths(first)
    misaligned = [
        split_like(column, lengths)
        for column in frame.get_columns()[1:]
        if column.n_chunks() != len(lengths) or chunk_lengths(column) != lengths
    ]
    return frame.with_columns(misaligned) if misaligned else frame


def aligned_to(frame: pl.DataFrame, columns: pl.DataFrame) -> pl.DataFrame:
    """`columns` (as many rows as `frame`) with every column chunked like the frame's first one."""
    if frame.width == 0 or frame.height == 0 or columns.width == 0:
        return columns
    first = frame.get_column(frame.columns[0])
    if first.n_chunks() > MAX_CHUNKS:
        return columns.rechunk()
    lengths = chunk_lengths(first)
    return pl.DataFrame([split_like(column, lengths) for column in columns.get_columns()])
