"""Stable row ids: blake2b of the source file's base name and the row's canonical content.

Identical content gets an occurrence suffix (`-1`, `-2`, ... in input order) so ids are unique within one
read; ids never depend on row order alone. The key is built with Polars expressions (fields joined by
control characters, nulls marked) and only the hashing loops in Python (hashlib; `Expr.hash` is not stable
across Polars versions).
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

import polars as pl

NULL = "\x00"
CONTENT_FIELDS = ("kind", "system", "input", "tools", "chosen", "rejected", "label", "text", "task")


def content_key(frame: pl.DataFrame) -> pl.Series:
    """One string per row holding everything that makes the row what it is (meta excluded)."""
    fields = [pl.col(name).cast(pl.String()).fill_null(NULL) for name in CONTENT_FIELDS]
    return frame.select(
        pl.concat_str([*fields, _messages_key(frame).fill_null(NULL)], separator="\x1f")
    ).to_series()


def _messages_key(frame: pl.DataFrame) -> pl.Series:
    """Each row's messages as "role\x1econtent" joined by \x1d. Done flat (explode, then regroup) because
    `list.eval` is slow on large frames; rows of equal turn counts regroup with a reshape."""
    messages = frame.get_column("messages")
    lengths = messages.list.len().fill_null(0)
    n = frame.height
    flat = messages.explode()  # empty/null lists give one null element
    turn = (
        pl.DataFrame({"m": flat})
        .select(
            pl.concat_str(
                [pl.col("m").struct.field("role"), pl.col("m").struct.field("content")], separator="\x1e"
            ).fill_null(NULL)
        )
        .to_series()
    )
    longest, shortest = lengths.max(), lengths.min()
    width = longest if isinstance(longest, int) else 0
    if n and width and shortest == width:
        return turn.reshape((n, width)).arr.join("\x1d")
    row = pl.int_range(n, eager=True).repeat_by(lengths.clip(1)).explode()
    grouped = (
        pl.DataFrame({"row": row, "turn": turn})
        .group_by("row", maintain_order=True)
        .agg(pl.col("turn").str.join("\x1d"))
    )
    return grouped.get_column("turn")


def assign_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `id` filled (frame in input order; `source` set on every row)."""
    if frame.height == 0:
        return frame
    base = pl.col("source").map_elements(
        lambda s: PurePath(str(s).split(":", 1)[-1]).name, return_dtype=pl.String()
    )
    # the base name repeats per source, so compute it once per distinct source (cheap) and join as a key
    sources = frame.select(pl.col("source").unique()).with_columns(base.alias("__base"))
    keyed = (
        frame.join(sources, on="source", how="left", maintain_order="left")
        .with_columns(content_key(frame).alias("__content"))
        .with_columns(pl.concat_str([pl.col("__base"), pl.col("__content")], separator="\x1c").alias("__key"))
    )
    digest = hashlib.blake2b
    digests = pl.Series(
        "__hash",
        [digest(k.encode("utf-8"), digest_size=12).hexdigest() for k in keyed["__key"]],
        dtype=pl.String(),
    )
    keyed = keyed.with_columns(digests).with_columns(pl.int_range(pl.len()).over("__hash").alias("__occ"))
    ident = (
        pl.when(pl.col("__occ") == 0)
        .then(pl.col("__hash"))
        .otherwise(pl.concat_str([pl.col("__hash"), pl.col("__occ").cast(pl.String())], separator="-"))
    )
    return keyed.with_columns(ident.alias("id")).select(frame.columns)
