"""`winnow.read`: any input winnow reads (files, folders, globs, a Polars frame, a datasets.Dataset, dicts)
as a `Corpus`, the canonical rows and the quarantine of what could not be read.

    corpus = winnow.read(["data/alpaca.json", "more/*.jsonl"])
    corpus = winnow.read(datasets.load_dataset("json", data_files="x.jsonl")["train"])
    corpus.records      # one row per conversation, preference pair or document (winnow.curation.record)
    corpus.quarantine   # source, line, error, snippet of each input that could not be read
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.io.read import ReadResult, read_corpus
from winnow.curation.io.sink import QUARANTINE_SCHEMA
from winnow.curation.record import RECORD_SCHEMA

# The rows and quarantine of a read (ReadResult: records, quarantine, formats, rows_read, skipped).
Corpus = ReadResult


def read(source: Any, *, format: str | None = None, name: str = "rows") -> Corpus:
    """Read `source`: a path (file, folder, glob, `dataset_info.json:NAME`) or a list of them; or rows in
    memory: a Polars frame of raw rows (or of canonical records, such as `Curated.kept`), a datasets.Dataset
    or DatasetDict, or a list of dicts, read as a source called `name`. `format` forces one input format
    (default: detected per row). Nothing is lost: `rows_read` = records + quarantine."""
    if isinstance(source, (str, Path)):
        return read_corpus([source], format=format)
    if isinstance(source, Sequence) and source and all(isinstance(s, (str, Path)) for s in source):
        return read_corpus(list(source), format=format)
    if isinstance(source, pl.DataFrame) and set(RECORD_SCHEMA.names()) <= set(source.columns):
        return _records(source)
    from winnow.curation.io.memory import read_rows

    return read_rows(source, source=name, format=format)


def _records(frame: pl.DataFrame) -> Corpus:
    """Canonical records (a Curated view, a run folder's parquet) taken as they are, ledger columns left out."""
    records = frame.select(RECORD_SCHEMA.names())
    formats: dict[str, dict[str, int]] = {}
    for source, fmt, count in records.group_by("source", "format").len().sort("source", "format").iter_rows():
        formats.setdefault(str(source), {})[str(fmt)] = int(count)
    quarantine = pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return ReadResult(records=records, quarantine=quarantine, formats=formats, rows_read=records.height)
