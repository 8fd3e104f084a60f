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
    """Each row's messages as "role\x1econtent" joined by \x1d. `list.eval` is slow on large frames, so
    rows of one turn count are addressed turn by turn, others exploded and regrouped (same key either way)."""
    messages = frame.get_column("messages")
    lengths = messages.list.len().fill_null(0)
    n = frame.height
    longest, shortest = lengths.max(), lengths.min()
    width = longest if isinstance(longest, int) else 0
    if n and width and shortest == width and width <= 8:
        # every row has the same number of turns (typical of flat formats): address them directly
        message = pl.col("messages")
        turns = [
            pl.concat_str(
                [message.list.get(i).struct.field("role"), message.list.get(i).struct.field("content")],
                separator="\x1e",
            )
            for i in range(width)
        ]
        return frame.select(pl.concat_str(turns, separator="\x1d")).to_series()
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
    row = pl.int_range(n, eager=True).repeat_by(lengths.clip(1)).explode()
    grouped = (
        pl.DataFrame({"row": row, "turn": turn})
        .group_by("row", maintain_order=True)
        .agg(pl.col("turn").str.join("\x1d"))
    )
    return grouped.get_column("turn")


SLICE_ROWS = 100_000  # keys are built per slice so their text copy stays small
HASH = "__hash"


def base_name(source: str) -> str:
    """The file name part of a source ("name:path/to/file.json" for registry entries → "file.json")."""
    return PurePath(source.split(":", 1)[-1]).name


def row_hashes(frame: pl.DataFrame, base: str) -> pl.Series:
    """blake2b(base name + canonical content) per row, hex; runs in a worker thread while the next piece is
    parsed (Polars and Arrow release the GIL), since this loop is the one per-row Python step of a read."""
    digest = hashlib.blake2b
    hashes: list[str] = []
    for offset in range(0, frame.height, SLICE_ROWS):
        part = frame.slice(offset, SLICE_ROWS)
        keys = pl.select(
            pl.concat_str([pl.lit(base), pl.lit(content_key(part))], separator="\x1c")
        ).to_series()
        hashes.extend(digest(key.encode(), digest_size=12).hexdigest() for key in keys.to_list())
    return pl.Series(HASH, hashes, dtype=pl.String())


def ids_from_hashes(frame: pl.DataFrame) -> pl.DataFrame:
    """Turn the `__hash` column into `id`: identical content gets -1, -2, ... in input order.

    Only rows whose hash repeats need the (costly) per-group numbering, so it runs on those alone."""
    repeated = frame.get_column(HASH).is_duplicated()
    if not repeated.any():
        return frame.rename({HASH: "__id"}).with_columns(pl.col("__id").alias("id")).drop("__id")
    numbered = (
        frame.select(HASH)
        .with_row_index("__row")
        .filter(repeated)
        .with_columns(pl.int_range(pl.len()).over(HASH).alias("__occ"))
    )
    occurrence = pl.Series("__occ", [0] * frame.height, dtype=pl.Int64()).scatter(
        numbered["__row"], numbered["__occ"].cast(pl.Int64())
    )
    ident = (
        pl.when(pl.col("__occ") == 0)
        .then(pl.col(HASH))
        .otherwise(pl.concat_str([pl.col(HASH), pl.col("__occ").cast(pl.String())], separator="-"))
    )
    return frame.with_columns(occurrence).with_columns(ident.alias("id")).drop(HASH, "__occ")


def assign_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `id` filled (frame in input order; `source` set on every row)."""
    if frame.height == 0:
        return frame
    parts = []
    for (source,), part in frame.with_row_index("__row").group_by("source", maintain_order=True):
        parts.append(part.with_columns(row_hashes(part, base_name(str(source)))))
    hashed = pl.concat(parts).sort("__row").drop("__row")
    return ids_from_hashes(hashed).select(frame.columns)
