"""Collects one source's rows: converts each raw row with its detected (or forced) format, quarantines
what cannot be read, and counts everything so that rows_read = accepted + quarantined holds by counting
inputs, not outputs.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from winnow.curation.arrow_arrays import from_numpy
from winnow.curation.formats.base import Format, Record, RowError
from winnow.curation.formats.registry import detect, no_format_message
from winnow.curation.io.ids import HASH_SCHEMA, base_name, hash_keys, row_hashes
from winnow.curation.io.values import printable
from winnow.curation.record import KIND, MESSAGE, RECORD_SCHEMA

SNIPPET_CHARS = 200
QUARANTINE_SCHEMA = pl.Schema(
    {"source": pl.String(), "line": pl.Int64(), "error": pl.String(), "snippet": pl.String()}
)


def snippet_of(value: Any) -> str:
    if isinstance(value, bytes):
        text = value[: SNIPPET_CHARS * 4].decode("utf-8", errors="replace")
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return printable(text[:SNIPPET_CHARS])


class SourceSink:
    """Everything read from one source: records (as dicts and as ready frames), quarantine, counts."""

    def __init__(self, source: str, forced: Format | None = None) -> None:
        self.source = source
        self.forced = forced
        self.records: list[Record] = []
        self.frames: list[tuple[pl.DataFrame, Future[pl.DataFrame]]] = []
        self.quarantine: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self.rows_read = 0

    def bad(self, line: int | None, error: str, snippet: Any) -> None:
        """One unit of input (a line, an element, a whole file) that could not be read."""
        self.rows_read += 1
        self.quarantine.append(
            {"source": self.source, "line": line, "error": printable(error), "snippet": snippet_of(snippet)}
        )

    def row(self, line: int, raw: Any) -> None:
        """One parsed raw row: detect its format (unless forced), convert strictly, or quarantine."""
        fmt = self.forced or detect(raw)
        if fmt is None:
            if isinstance(raw, dict):
                message = no_format_message(raw)
            elif isinstance(raw, list):
                message = "a JSON list that is not a list of {role, content} messages"
            else:
                message = f"expected a JSON object, got {type(raw).__name__}"
            self.bad(line, message, raw)
            return
        try:
            records = fmt.to_records(raw)
        except RowError as error:
            self.bad(line, f"{fmt.name}: {error}", raw)
            return
        self.rows_read += len(records)
        for record in records:
            record["line"] = line
            record["format"] = fmt.name
            self.records.append(record)
        self.counts[fmt.name] += len(records)

    def frame(self, frame: pl.DataFrame, fmt: str, keys: pl.Series | None = None) -> None:
        """Rows converted by a vectorised reader: `frame` has canonical columns and `line`; `keys`, when the
        reader built them, their id content keys (winnow.curation.io.ids). Hashes are computed in a worker thread
        while the reader parses the next piece."""
        self.rows_read += frame.height
        self.counts[fmt] += frame.height
        rows = canonical(frame.with_columns(format=pl.lit(fmt), source=pl.lit(self.source)))
        if keys is None:
            hashes = _hasher().submit(row_hashes, rows, base_name(self.source))
        else:
            hashes = _hasher().submit(hash_keys, keys)
        self.frames.append((rows, hashes))

    def records_frame(self) -> pl.DataFrame:
        """Every accepted row in line order, with its content hash columns (HASH_SCHEMA, winnow.curation.io.ids)."""
        frames = [rows.hstack(hashes.result()) for rows, hashes in self.frames]
        if self.records:
            rows = frame_from_records(self.records, self.source)
            frames.append(rows.hstack(row_hashes(rows, base_name(self.source))))
        if not frames:
            return canonical(pl.DataFrame()).hstack(pl.DataFrame(schema=HASH_SCHEMA))
        combined = pl.concat(frames, how="vertical")
        # vectorised pieces and per-line rows arrive out of order only around bad lines
        return combined if combined["line"].is_sorted() else combined.sort("line", maintain_order=True)

    def quarantine_frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.quarantine, schema=QUARANTINE_SCHEMA)


@cache
def _hasher() -> ThreadPoolExecutor:
    """One worker thread for row hashes (it holds the GIL only for the hashing loop)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="winnow-ids")


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """Every RECORD_SCHEMA column in order, missing ones null; `kind` cast strictly (unknown → error)."""
    exprs = []
    for name, dtype in RECORD_SCHEMA.items():
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
        elif name == "kind":
            exprs.append(pl.col("kind").cast(pl.String()).cast(KIND, strict=True))
        else:
            exprs.append(pl.col(name).cast(dtype, strict=True))
    return frame.select(exprs) if frame.width or frame.height else pl.DataFrame(schema=RECORD_SCHEMA)


def frame_from_records(records: list[Record], source: str) -> pl.DataFrame:
    """Build the frame column by column; `messages` goes through Arrow offsets, because Polars' builder
    for a list of dicts is ~100x slower on large inputs."""
    columns: dict[str, Any] = {}
    for name in RECORD_SCHEMA.names():
        if name == "messages":
            continue
        values = [record.get(name) for record in records]
        if name == "meta":
            values = [
                v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values
            ]
        columns[name] = values
    columns["source"] = [source] * len(records)
    loose = {
        name: (pl.String() if name == "kind" else dtype)
        for name, dtype in RECORD_SCHEMA.items()
        if name != "messages"
    }
    frame = pl.DataFrame(columns, schema=loose)
    return canonical(frame.with_columns(messages=_messages_series(records)))


def _large_strings(values: list[str]) -> pa.Array:
    """`values` as an Arrow large_string array (through Polars: `pa.array` would import pandas)."""
    return pl.Series(values, dtype=pl.String).to_arrow().cast(pa.large_string())


def _messages_series(records: list[Record]) -> pl.Series:
    offsets = [0]
    roles: list[str] = []
    contents: list[str] = []
    valid: list[bool] = []
    for record in records:
        turns = record.get("messages")
        valid.append(turns is not None)
        for turn in turns or ():
            roles.append(turn["role"])
            contents.append(turn["content"])
        offsets.append(len(roles))
    structs = pa.StructArray.from_arrays(
        [_large_strings(roles), _large_strings(contents)],
        names=["role", "content"],
    )
    mask = from_numpy(~np.array(valid, dtype=np.bool_))
    lists = pa.LargeListArray.from_arrays(from_numpy(np.array(offsets, dtype=np.int64)), structs, mask=mask)
    series = pl.Series("messages", lists)
    return series.cast(pl.List(MESSAGE))
