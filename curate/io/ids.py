"""Stable row ids: XXH3-128 of the source file's base name and the row's canonical content, cut to 96 bits.

Identical content gets an occurrence suffix (`-1`, `-2`, ... in input order) so ids are unique within one
read; ids never depend on row order alone. The key is built with Polars expressions (fields joined by
control characters, nulls marked) and only the hashing loops in Python. `Expr.hash` is not stable across
Polars versions; XXH3 is a frozen specification (xxHash 0.8), so an id is the same on every machine and
version. An id is an identity, not a security boundary, so it needs a stable, well-mixed hash, not a
cryptographic one: XXH3-128 costs ~0.15 us per row where blake2b costs ~1.2 us (the per-row hash was the
largest single cost of reading a 1M-row file after Arrow's parse). The loop reads each key straight out of
the Arrow buffers of the key column and writes raw digests into one bytes object: no Python string per row
on the way in or out.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

import numpy as np
import polars as pl
import pyarrow as pa
import xxhash

NULL = "\x00"
CONTENT_FIELDS = ("kind", "system", "input", "tools", "chosen", "rejected", "label", "text", "task")


def content_key(frame: pl.DataFrame) -> pl.Series:
    """One string per row holding everything that makes the row what it is (meta excluded)."""
    fields = {name: pl.col(name).cast(pl.String()) for name in CONTENT_FIELDS}
    return frame.select(key_expr(fields, pl.lit(_messages_key(frame)))).to_series()


KeyPart = pl.Expr | str | None  # a String column, or a constant (None: the field is absent)


def key_expr(
    fields: Mapping[str, KeyPart], messages: KeyPart | list[KeyPart], base: str | None = None
) -> pl.Expr:
    """The content key from the canonical fields (columns or constants; absent ones null) and the messages
    key (`role\x1econtent` turns joined by \x1d: one String expression, or `messages_key_parts`); with
    `base`, prefixed by `base\x1c` as the id hashes it. The vectorised readers build the same key straight
    from their input columns (tested equal)."""
    parts: list[KeyPart] = [] if base is None else [base, "\x1c"]
    for name in CONTENT_FIELDS:
        parts += [fields.get(name), "\x1f"]
    parts += messages if isinstance(messages, list) else [messages]
    return _concat(parts)


def messages_key_parts(turns: list[tuple[str, pl.Expr]]) -> list[KeyPart]:
    """The messages key of rows whose turns are known columns, [(role, content expression), ...], as parts
    of the key (one flat concat is cheaper than a nested one). Contents must never be null."""
    parts: list[KeyPart] = []
    for index, (role, content) in enumerate(turns):
        parts += ["\x1d" if index else "", f"{role}\x1e", content]
    return parts


def _concat(parts: list[KeyPart]) -> pl.Expr:
    """One concat of the parts, nulls marked; runs of constants are folded into one literal, since a flat
    file's key is mostly constants (absent fields, separators) and a dozen literal columns per row cost 3x
    what the few real columns do."""
    filled: list[KeyPart] = [NULL if part is None else part for part in parts]
    exprs = [pl.lit(p) if isinstance(p, str) else p.fill_null(NULL) for p in _folded(filled)]
    return pl.concat_str(exprs, separator="")


def _folded(parts: list[KeyPart]) -> list[pl.Expr | str]:
    """Adjacent constant strings joined; None parts must have been replaced first."""
    out: list[pl.Expr | str] = []
    for part in parts:
        if isinstance(part, pl.Expr):
            out.append(part)
        elif part and out and isinstance(out[-1], str):
            out[-1] += part
        elif part:
            out.append(part)
    return out


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
DIGEST_BYTES = 12  # the first 12 bytes of the canonical (big-endian) XXH3-128 digest: 24 hex characters
# the same 12-byte digest as two integers (first 8 bytes, last 4): duplicate detection and occurrence
# numbering group on these, several times faster than on the hex text and exactly as discriminating
HASH_HI, HASH_LO = "__hash_hi", "__hash_lo"
HASH_SCHEMA = pl.Schema({HASH: pl.String(), HASH_HI: pl.UInt64(), HASH_LO: pl.UInt32()})


def base_name(source: str) -> str:
    """The file name part of a source ("name:path/to/file.json" for registry entries → "file.json")."""
    return PurePath(source.split(":", 1)[-1]).name


def row_hashes(frame: pl.DataFrame, base: str) -> pl.DataFrame:
    """The digest of (base name + canonical content) per row (see `hash_keys`)."""
    parts = []
    for offset in range(0, frame.height, SLICE_ROWS):
        part = frame.slice(offset, SLICE_ROWS)
        parts.append(hash_keys(pl.select(pl.concat_str([pl.lit(base), content_key(part)], separator="\x1c"))))
    return pl.concat(parts) if parts else pl.DataFrame(schema=HASH_SCHEMA)


def hash_keys(keys: pl.DataFrame | pl.Series) -> pl.DataFrame:
    """The 12-byte digest (`key_digest`) of each UTF-8 key: HASH_SCHEMA columns (hex, and the digest as
    integers). Runs in a worker thread while the next piece is parsed (Polars and Arrow release the GIL),
    since this loop is the one per-row Python step of a read."""
    series = keys.to_series() if isinstance(keys, pl.DataFrame) else keys
    n = series.len()
    if n == 0:
        return pl.DataFrame(schema=HASH_SCHEMA)
    if series.null_count():
        raise ValueError("content keys are never null")
    array = series.rechunk().to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(array, pa.ChunkedArray):
        array = pa.concat_arrays(array.chunks)
    buffers, where, lengths = _key_spans(array)
    digest = xxhash.xxh3_128_digest
    full = b"".join(
        [digest(buffers[b][s : s + size]) for b, s, size in zip(where[0], where[1], lengths, strict=True)]
    )
    raw = np.frombuffer(full, dtype=np.uint8).reshape(n, 16)[:, :DIGEST_BYTES].tobytes()
    text = raw.hex().encode("ascii")
    offsets = np.arange(0, 2 * DIGEST_BYTES * (n + 1), 2 * DIGEST_BYTES, dtype=np.int64)
    hexed = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text))
    parts = np.frombuffer(raw, dtype=np.dtype([("hi", "<u8"), ("lo", "<u4")]))
    return pl.DataFrame(
        [
            pl.Series(HASH, hexed, dtype=pl.String()),
            pl.Series(HASH_HI, np.ascontiguousarray(parts["hi"])),
            pl.Series(HASH_LO, np.ascontiguousarray(parts["lo"])),
        ]
    )


def key_digest(key: bytes) -> bytes:
    """The 12-byte digest of one UTF-8 key, as `hash_keys` computes it for a column."""
    return xxhash.xxh3_128_digest(key)[:DIGEST_BYTES]


def _key_spans(array: pa.Array) -> tuple[list[memoryview], tuple[list[int], list[int]], list[int]]:
    """(buffers, (buffer index, start) per row, byte length per row) of a string array, zero-copy.

    A string_view row of at most 12 bytes lives inline in its 16-byte view (after the 4-byte length);
    longer ones point into a data buffer. Offset-based strings (string/large_string) are one data buffer."""
    n, first = len(array), array.offset
    if pa.types.is_string_view(array.type) or pa.types.is_binary_view(array.type):
        views_buffer, *data = array.buffers()[1:]
        views = np.frombuffer(views_buffer, dtype=np.int32).reshape(-1, 4)[first : first + n]
        lengths = views[:, 0]
        inline = lengths <= 12
        index = np.where(inline, len(data), views[:, 2])
        starts = np.where(inline, (np.arange(first, first + n, dtype=np.int64) * 16) + 4, views[:, 3])
        buffers = [memoryview(b) for b in data] + [memoryview(views_buffer)]
        return buffers, (index.tolist(), starts.tolist()), lengths.tolist()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.large_string())
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=offset_type)[first : first + n + 1].astype(np.int64)
    starts = offsets[:-1]
    return (
        [memoryview(array.buffers()[2])],
        ([0] * n, starts.tolist()),
        np.diff(offsets).tolist(),
    )


def ids_from_hashes(frame: pl.DataFrame) -> pl.DataFrame:
    """Turn the hash columns (HASH_SCHEMA) into `id`: identical content gets -1, -2, ... in input order."""
    digest = [HASH_HI, HASH_LO]
    ident: pl.Expr = pl.col(HASH)
    # the occurrence numbers are counted among the rows whose high word repeats (every repeat of a digest is
    # one of them, in input order), not over every row: a window over 1M distinct digests cost ~1 CPU-s of
    # every run, and real corpora repeat a few rows at most
    repeated = frame.get_column(HASH_HI).is_duplicated()
    if repeated.any():
        rows = repeated.arg_true()
        counted = frame.select(digest)[rows].select(pl.int_range(pl.len(), dtype=pl.Int64()).over(digest))
        occurrence = np.zeros(frame.height, dtype=np.int64)
        occurrence[rows.to_numpy()] = counted.to_series().to_numpy()
        later = pl.Series(occurrence)
        if (later > 0).any():
            suffix = pl.when(later > 0).then(pl.format("-{}", pl.lit(later)))
            ident = pl.concat_str([ident, suffix], ignore_nulls=True)
    return frame.with_columns(ident.alias("id")).drop(HASH, *digest)


def assign_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `id` filled (frame in input order; `source` set on every row)."""
    if frame.height == 0:
        return frame
    parts = []
    for (source,), part in frame.with_row_index("__row").group_by("source", maintain_order=True):
        parts.append(part.hstack(row_hashes(part, base_name(str(source)))))
    hashed = pl.concat(parts).sort("__row").drop("__row")
    return ids_from_hashes(hashed).select(frame.columns)
