"""Rows held in memory read like a file's: a Polars frame, a `datasets.Dataset` or `DatasetDict`, or dicts.

    from winnow.curation.io.memory import read_rows
    result = read_rows([{"instruction": "Say hi.", "output": "Hi!"}], source="notebook")

Each row goes through the same per-row format detection, strict conversion and quarantine as a JSON file's
row (winnow.curation.io.sink), with its position (from 0) as its `line`, so a notebook's rows get the same ids,
formats and error messages as the same rows written to disk. A DatasetDict is one source per split,
named `SOURCE/SPLIT` as a `save_to_disk` folder's splits are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from winnow.curation.formats.registry import get_format
from winnow.curation.io.read import ReadResult, result_of
from winnow.curation.io.sink import SourceSink


def read_rows(rows: Any, *, source: str = "rows", format: str | None = None) -> ReadResult:
    """`rows` (a pl.DataFrame, a datasets.Dataset or DatasetDict, or an iterable of dicts) as a ReadResult."""
    forced = get_format(format) if format else None
    sinks = [_sink(name, part, forced) for name, part in _parts(rows, source)]
    return result_of(sinks)


def _parts(rows: Any, source: str) -> list[tuple[str, Iterable[Any]]]:
    if isinstance(rows, pl.DataFrame):
        return [(source, rows.iter_rows(named=True))]
    if _is_dataset_dict(rows):
        return [(f"{source}/{split}", rows[split]) for split in rows]
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
        raise TypeError(
            "read_rows takes a Polars DataFrame, a datasets.Dataset or DatasetDict, or an iterable of dicts; "
            f"got {type(rows).__name__}"
        )
    return [(source, rows)]  # a datasets.Dataset iterates as dicts too


def _is_dataset_dict(rows: Any) -> bool:
    # by name: datasets is imported only when the caller already uses it
    return type(rows).__name__ in ("DatasetDict", "IterableDatasetDict") and isinstance(rows, Mapping)


def _sink(name: str, rows: Iterable[Any], forced: Any) -> SourceSink:
    sink = SourceSink(name, forced)
    for index, row in enumerate(rows):
        sink.row(index, row)
    if sink.rows_read == 0:
        sink.bad(None, "no rows", b"")
    return sink
