"""Every input winnow reads, as Ray Data blocks: a read task per source, or per byte range of a big JSONL file.

    tasks = plan_reads(["data/*.jsonl", "more.parquet"], format=None)
    dataset = ray.data.read_datasource(CorpusSource(tasks, block_rows=50_000))

A task reads with the local engine's own readers (winnow.curation.io.read.read_source, and
winnow.curation.io.jsonl.read_jsonl_piece for a byte range), so formats, quarantine messages and row hashes
are the same. Each block is one table (BLOCK_SCHEMA): the canonical columns, the id digest columns
(winnow.curation.io.ids.HASH_SCHEMA; ids are numbered once the digests are gathered), the quarantine columns
(an unreadable line is a row of its own, with `source`, `line`, its error and snippet), and the row's place in
the input: `__task` (read tasks are numbered in input order) and `__row` (records first, then the task's
quarantined lines). Sorting by (__task, __row) gives the local engine's row order and quarantine order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import xxhash
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from winnow.curation.formats.base import Format
from winnow.curation.formats.registry import get_format
from winnow.curation.io import read_cache as read_cache_module
from winnow.curation.io.expand import Skipped, Source, expand
from winnow.curation.io.ids import HASH_SCHEMA
from winnow.curation.io.jsonl import read_jsonl_piece
from winnow.curation.io.read import read_source
from winnow.curation.io.read_cache import READER_CODE, cacheable, file_digest, how_read, read_cache
from winnow.curation.io.sink import SourceSink
from winnow.curation.io.streams import is_plain
from winnow.curation.record import KIND, RECORD_SCHEMA
from winnow.curation.run_curate import QUARANTINE_ERROR, QUARANTINE_SNIPPET
from winnow.curation.stage_cache import StageCache, StageOutput, code_digest

TASK, ROW = "__task", "__row"
RANGE_BYTES = 64 * 1024 * 1024  # a plain JSONL file bigger than this is read in ranges of about this size
READ_STAGE = "ray-read"  # a read task's rows in the stage cache
BLOCK_SCHEMA = pl.Schema(
    {
        **RECORD_SCHEMA,
        **HASH_SCHEMA,
        QUARANTINE_ERROR: pl.String(),
        QUARANTINE_SNIPPET: pl.String(),
        TASK: pl.Int64(),
        ROW: pl.Int64(),
    }
)


@dataclass(frozen=True)
class ReadPlan:
    """One read task: a whole source, or lines [first_line, ...) at bytes [start, end) of a plain JSONL file."""

    source: Source
    forced: Format | None
    start: int = 0
    end: int | None = None  # None: the whole source
    first_line: int = 1


def plan_reads(
    inputs: Sequence[str | Path], *, format: str | None = None, range_bytes: int = RANGE_BYTES
) -> tuple[list[ReadPlan], list[Skipped]]:
    """The read tasks in input order, and the files a folder or glob held but winnow does not read."""
    forced = get_format(format) if format else None
    sources, skipped = expand(inputs)
    plans: list[ReadPlan] = []
    for source in sources:
        chosen = source.fmt or forced
        size = source.path.stat().st_size if source.kind != "hf" else 0
        ranged = source.kind == "jsonl" and size > range_bytes and is_plain(source.path, source.compression)
        ranges = line_ranges(source.path, range_bytes) if ranged else []
        plans.extend(ReadPlan(source, chosen, start, end, line) for start, end, line in ranges)
        if not ranges:  # a small file, or one of blank lines only (read whole: one quarantine entry)
            plans.append(ReadPlan(source, chosen))
    return plans, skipped


def line_ranges(path: Path, range_bytes: int) -> list[tuple[int, int, int]]:
    """(start, end, first line) of pieces of about `range_bytes`, cut after a newline: one streaming pass
    that counts newlines, so each task knows its first line number without reading what comes before.
    Empty for a file of blank lines only (which the local reader quarantines whole: read it whole)."""
    ranges: list[tuple[int, int, int]] = []
    blank = True
    start, line, offset = 0, 1, 0
    lines_since_start = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            blank = blank and not chunk.strip()
            position = 0
            while offset + len(chunk) - start >= range_bytes:
                cut_at = start + range_bytes - offset  # the piece ends at the first newline from here on
                newline = chunk.find(b"\n", max(cut_at, position))
                if newline == -1:
                    break
                lines_since_start += chunk.count(b"\n", position, newline + 1)
                end = offset + newline + 1
                ranges.append((start, end, line))
                line += lines_since_start
                start, lines_since_start, position = end, 0, newline + 1
            lines_since_start += chunk.count(b"\n", position)
            offset += len(chunk)
    if start < offset:
        ranges.append((start, offset, line))
    return [] if blank else ranges


def read_plan(plan: ReadPlan, data: bytes | None = None) -> list[SourceSink]:
    """What the local reader makes of the plan's source, or of its byte range (`data`: those bytes, when the
    caller has read them already)."""
    if plan.end is None:
        return read_source(plan.source, plan.forced)
    sink = SourceSink(plan.source.name, plan.forced)
    if data is None:
        data = _range_bytes(plan)
    read_jsonl_piece(data if data.endswith(b"\n") else data + b"\n", plan.first_line, sink)
    return [sink]


def _range_bytes(plan: ReadPlan) -> bytes:
    assert plan.end is not None
    with plan.source.path.open("rb") as handle:
        handle.seek(plan.start)
        return handle.read(plan.end - plan.start)


def cached_task_frame(task: int, plan: ReadPlan, cache: StageCache | None, min_bytes: int) -> pl.DataFrame:
    """task_frame(task, read_plan(plan)), read back from the stage cache (stage READ_STAGE) while the bytes it
    reads are unchanged: a re-run parsed its whole input again on the workers (1M rows: ~7 s of its ~33 s).
    Keyed like the local engine's read cache (winnow.curation.io.read_cache): the bytes (XXH3-128 of the range,
    or of the whole file), how they are read, the task's number and the readers' code. Sources the local
    cache leaves out (save_to_disk folders, files under `min_bytes`, registry-mapped files) are read as always."""
    if cache is None or not cacheable(plan.source, min_bytes):
        return task_frame(task, read_plan(plan))
    data = _range_bytes(plan) if plan.end is not None else None
    content = xxhash.xxh3_128(data).hexdigest() if data is not None else file_digest(plan.source.path)
    how = how_read(plan.source, plan.forced.name if plan.forced is not None else None)
    key = StageCache.key(
        READ_STAGE,
        content=content,
        settings=json.dumps([*how, plan.start, plan.end, plan.first_line, task]),
        code=code_digest(*READER_CODE, "ray_engine/read.py"),
    )
    hit = cache.load(READ_STAGE, key)
    if hit is not None:
        return conform(hit.columns)  # `kind` back to its enum
    frame = task_frame(task, read_plan(plan, data))
    cache.save(READ_STAGE, key, StageOutput(frame))
    return frame


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Every BLOCK_SCHEMA column in order (missing ones null), `kind` back to its enum after Arrow."""
    exprs = []
    for name, dtype in BLOCK_SCHEMA.items():
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
        elif name == "kind":
            exprs.append(pl.col(name).cast(pl.String()).cast(KIND, strict=True))
        else:
            exprs.append(pl.col(name).cast(dtype, strict=True))
    return frame.select(exprs)


def task_frame(task: int, sinks: Sequence[SourceSink]) -> pl.DataFrame:
    """One task's rows: its records (with their digests) in line order, then its quarantined lines."""
    records = pl.concat([sink.records_frame() for sink in sinks], how="vertical")
    unread = pl.concat([sink.quarantine_frame() for sink in sinks], how="vertical").rename(
        {"error": QUARANTINE_ERROR, "snippet": QUARANTINE_SNIPPET}
    )
    both = pl.concat([conform(records), conform(unread)], how="vertical")
    return both.with_columns(
        pl.lit(task, pl.Int64).alias(TASK), pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW)
    )


def _read_blocks(
    task: int, plan: ReadPlan, block_rows: int, cache: StageCache | None, min_bytes: int
) -> Iterator[pa.Table]:
    frame = cached_task_frame(task, plan, cache, min_bytes)
    for offset in range(0, max(frame.height, 1), block_rows):
        yield frame.slice(offset, block_rows).to_arrow()


class CorpusSource(Datasource):
    """The read plans as a Ray Data source: one read task per plan, each yielding blocks of `block_rows`."""

    def __init__(self, plans: Sequence[ReadPlan], block_rows: int, cache_dir: Path | None = None) -> None:
        self.plans = list(plans)
        self.block_rows = block_rows
        self.cache_dir = cache_dir  # the run's cache folder (shared by the workers): READ_STAGE entries
        self.min_bytes = read_cache_module.MIN_BYTES  # read on the driver, shipped with the tasks

    def estimate_inmemory_data_size(self) -> int | None:
        return sum(_plan_bytes(plan) for plan in self.plans) * 3

    def get_read_tasks(self, parallelism: int, *args: Any, **kwargs: Any) -> list[ReadTask]:
        tasks = []
        for index, plan in enumerate(self.plans):
            metadata = BlockMetadata(
                num_rows=None,
                size_bytes=_plan_bytes(plan) * 3,
                exec_stats=None,
                input_files=(str(plan.source.path),),
            )

            def read(index: int = index, plan: ReadPlan = plan) -> Iterator[pa.Table]:
                cache = None if self.cache_dir is None else read_cache(self.cache_dir, len(self.plans))
                return _read_blocks(index, plan, self.block_rows, cache, self.min_bytes)

            tasks.append(ReadTask(read, metadata))
        return tasks


def _plan_bytes(plan: ReadPlan) -> int:
    if plan.end is not None:
        return plan.end - plan.start
    path = plan.source.path
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size
