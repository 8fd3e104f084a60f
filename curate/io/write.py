"""write_records: canonical frame → a file in any supported format, never losing data silently.

    from winnow.curation.io.write import write_records
    report = write_records(frame, "out.jsonl", format="sharegpt")
    report.rows_written, report.dropped   # {"multi-turn conversation (dolly holds one exchange)": 12, ...}

A row the format cannot hold is not written; its reason is counted in `dropped` (so rows_written +
sum(dropped) = rows in). A row written without one of its parts (a meta key that collides with a format
field) is counted in `lost_fields`; lossless changes (Alpaca `input` merged into the user turn of a chat
format) are counted in `notes`. The file appears atomically.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.atomic import atomic_open
from winnow.curation.errors import UsageError
from winnow.curation.export.consumers import DEFAULT_CONSUMER, for_consumer
from winnow.curation.formats.registry import get_format
from winnow.curation.formats.schema import unify_rows
from winnow.curation.record import RECORD_SCHEMA

FILE_FORMATS = ("jsonl", "json")


@dataclass
class WriteReport:
    rows_written: int
    dropped: dict[str, int]  # reason -> rows not written
    lost_fields: dict[str, int] = field(default_factory=dict)  # reason -> rows written without that part
    notes: dict[str, int] = field(default_factory=dict)  # lossless changes -> rows
    path: Path | None = None

    @property
    def rows_dropped(self) -> int:
        return sum(self.dropped.values())


def write_records(
    frame: pl.DataFrame,
    path: str | os.PathLike[str],
    *,
    format: str,
    file_format: str = "jsonl",
    consumer: str = DEFAULT_CONSUMER,
) -> WriteReport:
    fmt = get_format(format)
    if file_format not in FILE_FORMATS:
        raise UsageError(f"unknown file format {file_format!r}", hint="use jsonl or json")
    rows, report = convert_records(frame, fmt.name, consumer=consumer)
    with atomic_open(path) as handle:
        if file_format == "jsonl":
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False))
                handle.write("\n")
        else:
            handle.write("[\n")
            handle.write(",\n".join(json.dumps(row, ensure_ascii=False) for row in rows))
            handle.write("\n]\n" if rows else "]\n")
    report.path = Path(path)
    return report


def convert_records(
    frame: pl.DataFrame, format: str, *, consumer: str = DEFAULT_CONSUMER
) -> tuple[list[Any], WriteReport]:
    """Rows of `format` for every record it can hold, as `consumer` reads them (winnow.curation.export.consumers),
    and the report (no file written)."""
    fmt = get_format(format)
    columns = [name for name in RECORD_SCHEMA.names() if name in frame.columns]
    dropped: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    rows: list[Any] = []
    for record in frame.select(columns).iter_rows(named=True):
        written = fmt.from_record(record)
        if written.row is None:
            dropped[written.lost[0] if written.lost else f"not representable as {fmt.name}"] += 1
            continue
        rows.append(written.row)
        lost.update(set(written.lost))
        notes.update(set(written.notes))
    # one schema across rows (winnow.curation.formats.schema): what datasets/Arrow and LLaMA-Factory read
    rows, rewritten = unify_rows(rows, fmt)
    notes.update(rewritten)
    rows, nulled = for_consumer(rows, consumer)
    if nulled:
        notes[f'shaped for {consumer}: tools null where a row has none, tool calls with content ""'] = nulled
    return rows, WriteReport(
        rows_written=len(rows), dropped=dict(dropped), lost_fields=dict(lost), notes=dict(notes)
    )


def write_quarantine(quarantine: pl.DataFrame, path: str | os.PathLike[str]) -> int:
    """Write quarantine entries (source, line, error, snippet) as JSON Lines, atomically; returns the count."""
    with atomic_open(path) as handle:
        for row in quarantine.iter_rows(named=True):
            handle.write(json.dumps(row, ensure_ascii=False))
            handle.write("\n")
    return quarantine.height
