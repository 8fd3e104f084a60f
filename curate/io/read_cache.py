"""The read cache: a re-run over an unchanged input file reads its parsed rows back instead of parsing again.

Parsing 1M rows of JSONL costs ~4 CPU-s (2.7 s wall) on every `winnow curate`, ~15% of a re-run after a
threshold change (issue 24), although the file has not changed. What one source read whole produces (its
accepted rows with their content hashes, its quarantine, its per-format counts and rows read) is kept in
the stage cache (winnow.curation.stage_cache, stage "read"), keyed by:

- the file's bytes: XXH3-128 of its whole content (~0.1 CPU-s per 450 MB), never its name, size or time;
- how it is read: its kind, compression, the name its rows carry as `source`, and a format forced by
  `--format`;
- the reader's code (curate/io, curate/formats, record.py): an edited reader never answers from an old read.

Only plain files of at least MIN_BYTES are cached (small files read in milliseconds, and a glob of many
would fill the cache with tiny entries); save_to_disk folders (Arrow already) and files that a LLaMA-Factory
dataset_info.json entry maps (its column mapping is an object, not a name) are read as always. Reading back
the 1M-row entry: ~0.7 CPU-s; writing it on the first run: ~1.8 CPU-s.
"""

from __future__ import annotations

import json
import mmap
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl
import xxhash

from winnow.curation.io.expand import Source
from winnow.curation.io.sink import SourceSink
from winnow.curation.stage_cache import KEEP, StageCache, StageOutput, code_digest

STAGE: Final = "read"
CACHED_KINDS: Final = ("json", "jsonl", "parquet", "txt")
MIN_BYTES = 16 * 1024 * 1024  # smaller files are read in well under 0.1 s: not worth an entry
READER_CODE: Final = ("io", "formats", "record.py")  # the readers' code, part of every read key


@dataclass(frozen=True)
class ReadSource:
    """What one source read whole produced: what `result_of` (winnow.curation.io.read) gathers."""

    source: str
    counts: dict[str, int]  # format -> rows
    rows_read: int
    records: pl.DataFrame  # accepted rows in line order, with their content hash columns
    quarantine: pl.DataFrame

    @classmethod
    def of(cls, sink: SourceSink) -> ReadSource:
        return cls(
            sink.source, dict(sink.counts), sink.rows_read, sink.records_frame(), sink.quarantine_frame()
        )


def file_digest(path: Path) -> str:
    """XXH3-128 of the file's bytes (mapped, not copied)."""
    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            return xxhash.xxh3_128(b"").hexdigest()
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            return xxhash.xxh3_128(view).hexdigest()


def cacheable(source: Source, min_bytes: int | None = None) -> bool:
    """Whether reads of `source` are kept (`min_bytes`: the size threshold, MIN_BYTES unless given)."""
    least = MIN_BYTES if min_bytes is None else min_bytes
    return source.kind in CACHED_KINDS and source.fmt is None and source.path.stat().st_size >= least


def how_read(source: Source, forced: str | None) -> list[str | None]:
    """How a source is read, as a read key names it: its kind, compression, the name its rows carry as
    `source`, and a format forced by `--format` (the ray engine's read tasks add their byte range)."""
    return [source.name, source.kind, source.compression, forced]


def read_key(source: Source, forced: str | None) -> str:
    return StageCache.key(
        STAGE,
        content=file_digest(source.path),
        settings=json.dumps(how_read(source, forced)),
        code=code_digest(*READER_CODE),
    )


def load_read(cache: StageCache, key: str) -> ReadSource | None:
    """The cached read, or None (missing or damaged: read the file again)."""
    hit = cache.load(STAGE, key)
    if hit is None or "quarantine" not in hit.tables:
        return None
    try:
        stats = hit.stats
        return ReadSource(
            str(stats["source"]),
            dict(stats["counts"]),
            int(stats["rows_read"]),
            hit.columns,
            hit.tables["quarantine"],
        )
    except (KeyError, TypeError, ValueError):
        return None


def save_read(cache: StageCache, key: str, read: ReadSource) -> None:
    stats = {"source": read.source, "counts": read.counts, "rows_read": read.rows_read}
    cache.save(STAGE, key, StageOutput(read.records, stats, {"quarantine": read.quarantine}))


def read_cache(cache_dir: Path | None, sources: int) -> StageCache:
    """The stage cache for reads: an entry per input file, so it keeps one per source of this run beyond
    the usual few (a run over five files must not evict its own first file)."""
    return StageCache(cache_dir, keep=KEEP + sources)
