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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from winnow.curation.formats.base import Format
from winnow.curation.formats.registry import get_format
from winnow.curation.io.expand import Skipped, Source, expand
from winnow.curation.io.ids import HASH_SCHEMA
from winnow.curation.io.jsonl import read_jsonl_piece
from winnow.curation.io.read import read_source
from winnow.curation.io.sink import SourceSink
from winnow.curation.io.streams import is_plain
from winnow.curation.record import KIND, RECORD_SCHEMA
from winnow.curation.run_curate import QUARANTINE_ERROR, QUARANTINE_SNIPPET

TASK, ROW = "__task", "__row"
RANGE_BYTES = 64 * 1024 * 1024  # a plain JSONL file bigger than this is read in ranges of about this size
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


def read_plan(plan: ReadPlan) -> list[SourceSink]:
    if plan.end is None:
        return read_source(plan.source, plan.forced)
    sink = SourceSink(plan.source.name, plan.forced)
    with plan.source.path.open("rb") as handle:
        handle.seek(plan.start)
        data = handle.read(plan.end - plan.start)
    read_jsonl_piece(data if data.endswith(b"\n") else data + b"\n", plan.first_line, sink)
    return [sink]


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


def _read_blocks(task: int, plan: ReadPlan, block_rows: int) -> Iterator[pa.Table]:
    frame = task_frame(task, read_plan(plan))
    for offset in range(0, max(frame.height, 1), block_rows):
        yield frame.slice(offset, block_rows).to_arrow()


class CorpusSource(Datasource):
    """The read plans as a Ray Data source: one read task per plan, each yielding blocks of `block_rows`."""

    def __init__(self, plans: Sequence[ReadPlan], block_rows: int) -> None:
        self.plans = list(plans)
        self.block_rows = block_rows

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
                return _read_blocks(index, plan, self.block_rows)

            tasks.append(ReadTask(read, metadata))
        return tasks


def _plan_bytes(plan: ReadPlan) -> int:
    if plan.end is not None:
        return plan.end - plan.start
    path = plan.source.path
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size
