"""read_corpus: every supported input → one canonical frame, a quarantine frame and per-source format counts.

    from winnow.curation.io.read import read_corpus
    result = read_corpus(["data/alpaca.json", "more/*.jsonl", "data/dataset_info.json:alpaca_zh_demo"])

Each row's format is detected from its own keys (a file may mix formats: `formats` says how many rows of
each, and the `format`/`line` columns say which rows); `format=` forces one format for every input (a
registry entry keeps its own). Nothing is lost: rows_read = len(records) + len(quarantine), and every file
that a named folder or glob holds but winnow does not read is listed in `skipped` with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from winnow.curation.formats.base import Format
from winnow.curation.formats.registry import get_format
from winnow.curation.io.expand import Skipped, Source, expand
from winnow.curation.io.files import hf_parts, read_arrow_files, read_json, read_parquet, read_txt
from winnow.curation.io.ids import ids_from_hashes
from winnow.curation.io.jsonl import read_jsonl
from winnow.curation.io.read_cache import ReadSource, cacheable, load_read, read_cache, read_key, save_read
from winnow.curation.io.sink import QUARANTINE_SCHEMA, SourceSink
from winnow.curation.record import RECORD_SCHEMA
from winnow.curation.stage_cache import StageCache


@dataclass
class ReadResult:
    records: pl.DataFrame  # RECORD_SCHEMA, in input order
    quarantine: pl.DataFrame  # source, line, error, snippet
    formats: dict[str, dict[str, int]]  # source -> format -> rows
    rows_read: int
    skipped: list[Skipped] = field(default_factory=list)  # files a folder or glob held but were not read

    @property
    def rows_accepted(self) -> int:
        return self.records.height

    def mixed_sources(self) -> list[str]:
        return [source for source, counts in self.formats.items() if len(counts) > 1]


def read_corpus(
    inputs: Sequence[str | Path], *, format: str | None = None, cache_dir: Path | None = None
) -> ReadResult:
    """`cache_dir`: keep each big input file's parsed rows there, and read them back while its bytes are
    unchanged (winnow.curation.io.read_cache); None reads every file."""
    forced = get_format(format) if format else None
    reads: list[ReadSource] = []
    sources, skipped = expand(inputs)
    cache = None if cache_dir is None else read_cache(cache_dir, len(sources))
    for source in sources:
        reads.extend(_read_cached(source, forced, cache))
    return result_of(reads, skipped)


def _read_cached(source: Source, forced: Format | None, cache: StageCache | None) -> list[ReadSource]:
    key = None
    if cache is not None and cacheable(source):
        key = read_key(source, forced.name if forced is not None else None)
        hit = load_read(cache, key)
        if hit is not None:
            return [hit]
    reads = [ReadSource.of(sink) for sink in read_source(source, forced)]
    if cache is not None and key is not None and len(reads) == 1:
        save_read(cache, key, reads[0])
    return reads


def result_of(sources: Sequence[SourceSink | ReadSource], skipped: list[Skipped] | None = None) -> ReadResult:
    """One ReadResult from what the sources were read into (in order): records with ids, quarantine, counts."""
    sinks = [s if isinstance(s, ReadSource) else ReadSource.of(s) for s in sources]
    frames = [sink.records for sink in sinks]
    if frames:
        records = ids_from_hashes(pl.concat(frames, how="vertical")).select(RECORD_SCHEMA.names())
    else:
        records = pl.DataFrame(schema=RECORD_SCHEMA)
    quarantine = [sink.quarantine for sink in sinks]
    formats: dict[str, dict[str, int]] = {}
    for sink in sinks:
        formats.setdefault(sink.source, {})
        for name, count in sink.counts.items():
            formats[sink.source][name] = formats[sink.source].get(name, 0) + count
    return ReadResult(
        records=records,
        quarantine=pl.concat(quarantine) if quarantine else pl.DataFrame(schema=QUARANTINE_SCHEMA),
        formats=formats,
        rows_read=sum(sink.rows_read for sink in sinks),
        skipped=skipped or [],
    )


def read_source(source: Source, forced_everywhere: object) -> list[SourceSink]:
    """One source read whole: a sink per source (per split of a save_to_disk folder). A cluster engine reads
    the sources (or pieces of a big JSONL file, `read_jsonl_piece`) in parallel tasks through this."""
    forced = source.fmt or forced_everywhere
    if source.kind == "hf":
        sinks = []
        for split, files in hf_parts(source.path):
            sink = SourceSink(f"{source.name}/{split}" if split else source.name, forced)  # type: ignore[arg-type]
            read_arrow_files(files, sink)
            sinks.append(sink)
        return sinks
    sink = SourceSink(source.name, forced)  # type: ignore[arg-type]
    if source.path.stat().st_size == 0:
        sink.bad(None, "empty file", b"")
        return [sink]
    if source.kind in ("json", "jsonl"):
        (read_json if source.kind == "json" else read_jsonl)(source.path, sink, source.compression)
    else:
        {"parquet": read_parquet, "txt": read_txt}[source.kind](source.path, sink)
    if source.kind == "jsonl" and sink.rows_read == 0:
        sink.bad(None, "empty file (only blank lines)", b"")
    return [sink]
