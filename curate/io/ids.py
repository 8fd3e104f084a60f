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


def content_key() -> pl.Expr:
    """One string per row holding everything that makes the row what it is (meta excluded)."""
    messages = (
        pl.col("messages")
        .list.eval(
            pl.concat_str(
                [pl.element().struct.field("role"), pl.element().struct.field("content")], separator="\x1e"
            )
        )
        .list.join("\x1d")
        .fill_null(NULL)
    )
    fields = [pl.col(name).cast(pl.String()).fill_null(NULL) for name in CONTENT_FIELDS]
    return pl.concat_str([*fields, messages], separator="\x1f")


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def assign_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `id` filled (frame in input order; `source` set on every row)."""
    if frame.height == 0:
        return frame
    base = pl.col("source").map_elements(
        lambda s: PurePath(str(s).split(":", 1)[-1]).name, return_dtype=pl.String()
    )
    # the base name repeats per source, so compute it once per distinct source (cheap) and join as a key
    sources = frame.select(pl.col("source").unique()).with_columns(base.alias("__base"))
    keyed = frame.join(sources, on="source", how="left", maintain_order="left").with_columns(
        pl.concat_str([pl.col("__base"), content_key()], separator="\x1c").alias("__key")
    )
    digests = pl.Series("__hash", [_digest(k) for k in keyed["__key"]], dtype=pl.String())
    keyed = keyed.with_columns(digests).with_columns(pl.int_range(pl.len()).over("__hash").alias("__occ"))
    ident = (
        pl.when(pl.col("__occ") == 0)
        .then(pl.col("__hash"))
        .otherwise(pl.concat_str([pl.col("__hash"), pl.col("__occ").cast(pl.String())], separator="-"))
    )
    return keyed.with_columns(ident.alias("id")).select(frame.columns)
