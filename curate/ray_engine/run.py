"""run_curate_ray: `winnow curate --engine ray`, the same run folder as winnow.curation.run_curate.run_curate.

    result = run_curate_ray(["data/*.jsonl"], "rules/default.yaml", "runs/r1")   # a local 2-CPU cluster
    result = run_curate_ray(inputs, rules, "runs/r1", address="auto")          # a running cluster

Order: the rule file is validated before any data is read → the inputs are read as blocks on the workers
(winnow.curation.ray_engine.read) → the driver gathers the rows' digests once and numbers identical rows →
each block gets its ids and runs the row-local stages (winnow.curation.ray_engine.blocks) → the driver merges
the blocks' statistics, runs the global stages (dedup, tasks, mix, split, ...) over the gathered rows and
writes the run folder with the local engine's writer (winnow.curation.run_folder).

The global stages still run on the driver, over every row: the driver holds the corpus as the local engine
does (the rows, not the read and the row-local stages' intermediates). Dedup as a shuffle by key and band on
the cluster, and global stages on a projected table, are the next steps of issue 21.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import ray
import ray.data

from winnow.curation.io.ids import HASH_HI, HASH_LO
from winnow.curation.io.sink import QUARANTINE_SCHEMA
from winnow.curation.ray_engine.blocks import STATS_COLUMN, curate_block
from winnow.curation.ray_engine.cluster import ray_cluster
from winnow.curation.ray_engine.read import RANGE_BYTES, ROW, TASK, CorpusSource, plan_reads
from winnow.curation.ray_engine.stats import merge_partials
from winnow.curation.rulefile.load import RuleFile, load_rule_file
from winnow.curation.run_curate import (
    QUARANTINE_ERROR,
    QUARANTINE_SNIPPET,
    CurateResult,
    Progress,
    build_stats,
    default_cache_dir,
    run_stages,
)
from winnow.curation.run_folder import write_run_folder
from winnow.curation.stages import ROW_LOCAL_STAGES, StageContext, registered_stages

BLOCK_ROWS = 50_000  # rows per block: what one worker holds through the row-local stages at a time


def repeated_rows(dataset: ray.data.Dataset) -> pl.DataFrame:
    """(__task, __row, __occurrence) of every later copy of identical content, from the digests alone
    (16 bytes a row gathered on the driver): the occurrence numbers of winnow.curation.io.ids."""
    columns = [TASK, ROW, HASH_HI, HASH_LO, QUARANTINE_ERROR]
    tables = [ray.get(ref) for ref in dataset.select_columns(columns).to_arrow_refs()]
    digests = pl.concat([_frame(t) for t in tables], how="vertical")
    records = digests.filter(pl.col(QUARANTINE_ERROR).is_null()).sort(TASK, ROW)
    occurrence = pl.int_range(pl.len(), dtype=pl.Int64).over(HASH_HI, HASH_LO).alias("__occurrence")
    return records.select(TASK, ROW, occurrence).filter(pl.col("__occurrence") > 0)


def _frame(table: Any) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)  # a table, never a single array
    return frame


def _curate_block_task(
    table: Any, rules: RuleFile, cache_root: str | None, repeats: list[Any]
) -> Any:  # pragma: no cover - runs on a Ray worker (tested end to end)
    return curate_block(table, rules, Path(cache_root) if cache_root else None, ray.get(repeats[0]))


def _formats(frame: pl.DataFrame) -> dict[str, dict[str, int]]:
    """source → format → records, sources in input order (one with only quarantined lines: empty)."""
    formats: dict[str, dict[str, int]] = {str(s): {} for s in frame["source"].unique(maintain_order=True)}
    counted = frame.filter(pl.col("format").is_not_null()).group_by("source", "format", maintain_order=True)
    for (source, name), part in counted:
        formats[str(source)][str(name)] = part.height
    return formats


def run_curate_ray(
    inputs: Sequence[str | Path],
    rules: str | Path | RuleFile,
    run_dir: str | Path,
    *,
    format: str | None = None,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
    address: str | None = None,
    block_rows: int = BLOCK_ROWS,
    range_bytes: int = RANGE_BYTES,
) -> CurateResult:
    """Validate the rules, read and curate the inputs on a Ray cluster, write the run folder."""
    rule_file = rules if isinstance(rules, RuleFile) else load_rule_file(rules)
    run_path = Path(run_dir)
    cache_path = Path(cache_dir) if cache_dir is not None else default_cache_dir(run_path)
    plans, skipped = plan_reads(inputs, format=format, range_bytes=range_bytes)
    with ray_cluster(address):
        _report(progress, "reading inputs (ray)", 0)
        # one output per read task, as many blocks as it yields: Ray Data would otherwise split them into
        # blocks of a few hundred rows, each paying the stages' fixed cost (measured: 65 blocks of 770 rows
        # for one 50,000-row file, 5x the CPU)
        source = CorpusSource(plans, block_rows, cache_path)
        read = ray.data.read_datasource(source, override_num_blocks=len(plans)).materialize()
        repeats = ray.put(repeated_rows(read))
        _report(progress, "reading inputs (ray)", 1)
        _report(progress, "row-local stages (ray)", 0)
        curated = read.map_batches(
            _curate_block_task,
            batch_format="pyarrow",
            batch_size=None,
            num_cpus=1,
            fn_kwargs={"rules": rule_file, "cache_root": str(cache_path), "repeats": [repeats]},
        )
        tables = [ray.get(ref) for ref in curated.to_arrow_refs()]
        _report(progress, "row-local stages (ray)", 1)
    gathered = pl.concat([_frame(t) for t in tables], how="diagonal_relaxed").sort(TASK, ROW)
    merged = merge_partials(json.loads(p) for p in gathered[STATS_COLUMN].drop_nulls().to_list())
    unread = gathered[QUARANTINE_ERROR].is_not_null()
    quarantine = (
        gathered.filter(unread)
        .select(
            "source",
            "line",
            pl.col(QUARANTINE_ERROR).alias("error"),
            pl.col(QUARANTINE_SNIPPET).alias("snippet"),
        )
        .cast(QUARANTINE_SCHEMA)
    )
    formats = _formats(gathered)
    records = gathered.filter(~unread).drop(TASK, ROW, STATS_COLUMN, QUARANTINE_ERROR, QUARANTINE_SNIPPET)
    ctx = StageContext(run_dir=run_path, cache_dir=cache_path, progress=progress)
    ctx.stats.update(merged.get("stages", {}))
    checks_cache = ctx.stats.get("checks", {}).get("cache")
    if isinstance(checks_cache, dict):  # each block had a folder of its own under the cache folder
        checks_cache["directory"] = str(cache_path)
    rest = [s.name for s in registered_stages() if s.name not in ROW_LOCAL_STAGES]
    frame, more = run_stages(records, rule_file, ctx, rest)
    timings = {**merged.get("timings", {}), **more}
    stats = build_stats(
        frame,
        rows_read=gathered.height,
        quarantined=quarantine.height,
        stage_stats=ctx.stats,
        timings=timings,
        inputs=[str(i) for i in inputs],
        rule_file=rule_file.source,
        formats=formats,
    )
    stats["engine"] = "ray"
    stats["skipped_files"] = [entry.as_dict() for entry in skipped]
    _report(progress, "writing run folder", 0)
    run = write_run_folder(run_path, frame, quarantine, stats, rule_file, ctx.tables)
    _report(progress, "writing run folder", 1)
    return CurateResult(run_dir=run_path, frame=frame, stats={"run": run, **stats}, tables=ctx.tables)


def _report(progress: Progress | None, description: str, done: int) -> None:
    if progress is not None:
        progress(description, done, 1)
