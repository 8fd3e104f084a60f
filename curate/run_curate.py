"""Run a rule file over a corpus and write the run folder: the engine behind `winnow curate` (and,
later, `winnow run`).

    result = run_curate(["data.json"], "rules/default.yaml", "runs/r1")

Order: the rule file is validated before any data is read → inputs are read into the canonical frame
(bad lines quarantined) → every registered stage runs in order (mappers, checks, language, dedup, …;
what a stage computed in an earlier run is reused from the cache folder when nothing it reads changed:
metrics and mapped texts by row, language, dedup and tasks whole, see winnow.curation.stage_cache) →
the run folder is written whole: into a staging folder swapped in at the end, every file naming the run
(see winnow.curation.run_folder, which also checks a folder before export and shard trust it):

    rows.parquet         the ledger of every accepted row: provenance (id, source, line, format), kind, label,
                         task, stage columns, drop_reason, failed_rules, flagged_rules; not its texts
                         (run_folder.TEXT_COLUMNS), which are in kept.parquet or dropped.parquet
    kept.parquet         rows with no drop_reason: every column, texts included
    dropped.parquet      rows with a drop_reason, every column (reason, every failed rule and every metric kept)
    quarantine.jsonl     input lines that could not be read (source, line, error, snippet)
    stats.json           counts, per-rule and per-stage statistics (see `build_stats`)
    rules.resolved.yaml  the rule file as it ran (extends applied, defaults written out)
    dup_pairs.parquet    with dedup near.report_pairs only: every duplicate pair (a table the stage hands over)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.background import Background, start_background, wanted_jobs
from winnow.curation.chunks import aligned
from winnow.curation.errors import StageError, UsageError
from winnow.curation.kernels.warm_up import start_warm_up
from winnow.curation.ledger import counts_by_reason, flagged_counts, rule_counts, with_ledger
from winnow.curation.rulefile.load import RuleFile, load_rule_file
from winnow.curation.run_folder import write_run_folder
from winnow.curation.stage_cache import (
    CONTENT_STAGES,
    StageCache,
    StageOutput,
    content_stage_key,
    next_content,
)
from winnow.curation.stages import CONTENT_CHANGING, ROW_LOCAL_STAGES, Stage, StageContext, registered_stages

Progress = Callable[[str, int, int], None]
CACHE_FOLDER = ".winnow-cache"
# a row of a batch that is an input line which could not be read (its reason; its snippet beside it):
# such rows go through curate_rows untouched, so a block on a cluster carries its quarantine with it
QUARANTINE_ERROR, QUARANTINE_SNIPPET = "quarantine_error", "quarantine_snippet"
ENGINES = ("local", "ray")  # ray: winnow.curation.ray_engine (the optional extra winnow[ray])


@dataclass
class CurateResult:
    run_dir: Path
    frame: pl.DataFrame  # every accepted row with its ledger
    stats: dict[str, Any]
    # tables the stages handed over for the run folder (StageContext.tables: file name → table)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)


def default_cache_dir(run_dir: Path) -> Path:
    """RUNDIR/../.winnow-cache: shared by the runs of one project folder."""
    return run_dir.resolve().parent / CACHE_FOLDER


def run_stages(
    frame: pl.DataFrame,
    rules: RuleFile,
    ctx: StageContext,
    only_stages: Sequence[str] | None = None,
    background: Background | None = None,
) -> tuple[pl.DataFrame, dict[str, float]]:
    """Every registered stage in order (or only those named); returns the frame and seconds per stage that
    ran (a stage whose rule-file section is absent is left out). A stage first waits for what `background`
    (winnow.curation.background) prepares for it."""
    frame = aligned(
        with_ledger(frame)
    )  # see winnow.curation.chunks: misaligned columns cost a copy per operation
    timings: dict[str, float] = {}
    height = frame.height
    checking = frame.height and (only_stages is None or "checks" in only_stages)
    # the kernels the checks call load while the mappers run (no thread when no check calls one)
    warming = start_warm_up(rules.sections.get("checks") if checking else None, ctx.cache_dir)
    try:
        for stage in registered_stages():
            if only_stages is not None and stage.name not in only_stages:
                continue
            started = time.perf_counter()
            if background is not None:
                background.wait(stage.name)
            before = ctx.stats.get(stage.name)
            frame = aligned(_run_stage(stage, frame, rules, ctx))
            if stage.name in CONTENT_CHANGING:  # the content the next stages see is fixed from here on
                ctx.content = next_content(frame, ctx.content, CONTENT_CHANGING[stage.name])
            # a stage that ran wrote its stats; one whose section is off did not and is not timed (the
            # report's timing table would list it at ~0 s as if it had run)
            if ctx.stats.get(stage.name) is not before:
                timings[stage.name] = round(time.perf_counter() - started, 3)
            if frame.height != height:
                raise StageError(
                    f"stage {stage.name!r} changed the row count from {height} to {frame.height}",
                    hint="stages must record drops in the ledger (winnow.curation.ledger.record_failures), never delete rows",
                )
    finally:
        warming.join()  # never left inside numba: a process finalizing meanwhile aborts (issue 23)
    return frame, timings


def curate_rows(
    batch: pl.DataFrame,
    rules: RuleFile,
    ctx: StageContext,
    only_stages: Sequence[str] | None = None,
    background: Background | None = None,
) -> tuple[pl.DataFrame, dict[str, float]]:
    """The row-local stages (ROW_LOCAL_STAGES: mappers, checks, language) over one batch of canonical rows:
    the rows with their stage columns and ledger (drop_reason, failed_rules, flagged_rules), in batch order,
    and seconds per stage; `ctx.stats` gets each stage's statistics of this batch.

    Rows whose QUARANTINE_ERROR is set (input lines that could not be read) are handed back as they came, in
    their place, so rows in = rows out and a batch's quarantine is never lost. The local engine runs its whole
    corpus through this as one batch; winnow.curation.ray_engine runs it per block."""
    names = [name for name in ROW_LOCAL_STAGES if only_stages is None or name in only_stages]
    if QUARANTINE_ERROR not in batch.columns:
        return run_stages(batch, rules, ctx, names, background)
    bad = batch[QUARANTINE_ERROR].is_not_null()
    records = batch.filter(~bad).drop(QUARANTINE_ERROR, QUARANTINE_SNIPPET)
    frame, timings = run_stages(records, rules, ctx, names, background)
    unread = [QUARANTINE_ERROR, QUARANTINE_SNIPPET]
    if not bad.any():
        return frame.with_columns(pl.lit(None, pl.String).alias(name) for name in unread), timings
    # back in batch order: the stages keep their rows' order, the unread rows keep their positions
    placed = frame.with_columns(bad.not_().arg_true().alias("__batch_row"))
    unread_rows = batch.with_row_index("__batch_row").filter(bad)  # with any column the caller added
    both = pl.concat([placed, unread_rows], how="diagonal_relaxed")
    return both.sort("__batch_row").drop("__batch_row"), timings


def _run_stage(stage: Stage, frame: pl.DataFrame, rules: RuleFile, ctx: StageContext) -> pl.DataFrame:
    """The stage, or, for a stage whose output depends on the rows' content and its sections only
    (winnow.curation.stage_cache.CONTENT_STAGES), its columns and stats from the stage cache."""
    spec = CONTENT_STAGES.get(stage.name)
    cache = StageCache(ctx.cache_dir)
    runs = spec is not None and any(section in rules.sections for section in spec.sections)
    if spec is None or not runs or cache.root is None or not frame.height:
        return stage.function(frame, rules.sections, ctx)
    key = content_stage_key(stage.name, spec, frame, rules.sections, ctx)
    hit = cache.load(stage.name, key)
    if hit is not None and isinstance(hit.stats.get("stats"), dict):
        ctx.stats[stage.name] = {**hit.stats["stats"], "stage_cache": "hit"}
        return frame.with_columns(hit.columns)
    out = stage.function(frame, rules.sections, ctx)
    stats = json.loads(json.dumps(ctx.stats.get(stage.name, {})))  # as stats.json reads it back
    written = [c for c in spec.columns if c in out.columns]
    cache.save(stage.name, key, StageOutput(out.select(written), {"stats": stats}))
    ctx.stats[stage.name] = {**stats, "stage_cache": "miss"}
    return out


def rule_entries(frame: pl.DataFrame, stage_stats: dict[str, Any]) -> list[dict[str, Any]]:
    """Every stage's `rules` list (stage order), with failed/dropped_first counted on the final frame."""
    entries: list[dict[str, Any]] = []
    for stats in stage_stats.values():
        if isinstance(stats, dict) and isinstance(stats.get("rules"), list):
            entries.extend(dict(entry) for entry in stats["rules"])
    # A stage's own failed/dropped_first stay true on the final frame (the ledger only grows, and a later
    # stage records its own rule names); `flagged` (kept rows) is not: a later stage may drop flagged rows.
    for entry, counts in zip(entries, rule_counts(frame, [e["name"] for e in entries]), strict=True):
        entry.setdefault("failed", counts.failed)
        entry.setdefault("dropped_first", counts.dropped_first)
        entry["flagged"] = counts.flagged
    return entries


def build_stats(
    frame: pl.DataFrame,
    *,
    rows_read: int,
    quarantined: int,
    stage_stats: dict[str, Any],
    timings: dict[str, float],
    inputs: Sequence[str],
    rule_file: str,
    formats: dict[str, dict[str, int]] | None = None,
) -> dict[str, Any]:
    n_kept = frame["drop_reason"].null_count()  # = kept(frame).height, without gathering the kept rows
    n_dropped = frame.height - n_kept
    if rows_read != n_kept + n_dropped + quarantined:
        raise StageError(
            f"ledger invariant broken: read {rows_read} != kept {n_kept} + dropped {n_dropped} "
            f"+ quarantined {quarantined}"
        )
    stages = {
        name: {k: v for k, v in stats.items() if k != "rules"} if isinstance(stats, dict) else stats
        for name, stats in stage_stats.items()
    }
    n_flagged, flagged_by_rule = flagged_counts(frame)  # kept rows that carry flags (inside `kept`)
    return {
        "rows_read": rows_read,
        "rows_accepted": frame.height,
        "quarantined": quarantined,
        "kept": n_kept,
        "dropped": n_dropped,
        "by_reason": counts_by_reason(frame),
        "flagged": n_flagged,
        "flagged_by_rule": flagged_by_rule,
        "rules": rule_entries(frame, stage_stats),
        "stages": stages,
        "timings": timings,
        "inputs": [str(i) for i in inputs],
        "rule_file": rule_file,
        "formats": formats or {},
    }


def curate_frame(
    frame: pl.DataFrame,
    rules: RuleFile,
    *,
    run_dir: Path | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    quarantined: int = 0,
    rows_read: int | None = None,
    inputs: Sequence[str] = (),
    formats: dict[str, dict[str, int]] | None = None,
    only_stages: Sequence[str] | None = None,
) -> CurateResult:
    """Run every stage (or `only_stages`) over an in-memory canonical frame (no files written)."""
    ctx = StageContext(run_dir=run_dir, cache_dir=cache_dir, progress=progress)
    # language tables and dedup kernels not on disk yet are prepared in a second process meanwhile
    jobs = [job for job in wanted_jobs(rules.sections) if only_stages is None or job in only_stages]
    background = start_background(jobs) if frame.height else Background()
    try:
        frame, timings = curate_rows(frame, rules, ctx, only_stages, background)
        rest = [s.name for s in registered_stages() if s.name not in ROW_LOCAL_STAGES]
        chosen = [n for n in rest if only_stages is None or n in only_stages]
        frame, more = run_stages(frame, rules, ctx, chosen, background)
    finally:
        background.close()  # no child outlives the run, whether it ended, failed or was interrupted
    timings.update(more)
    stats = build_stats(
        frame,
        rows_read=frame.height + quarantined if rows_read is None else rows_read,
        quarantined=quarantined,
        stage_stats=ctx.stats,
        timings=timings,
        inputs=inputs,
        rule_file=rules.source,
        formats=formats,
    )
    return CurateResult(run_dir=run_dir or Path("."), frame=frame, stats=stats, tables=ctx.tables)


def run_curate(
    inputs: Sequence[str | Path],
    rules: str | Path | RuleFile,
    run_dir: str | Path,
    *,
    format: str | None = None,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
    engine: str = "local",
    ray_address: str | None = None,
) -> CurateResult:
    """Validate the rules, read the inputs, run every stage and write the run folder; `engine="ray"` does it
    on a Ray cluster (`ray_address`, RAY_ADDRESS, or a local one), writing the same run folder."""
    from winnow.curation.io.read import read_corpus  # the reader pulls in every format adapter: import on use

    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
    if engine == "ray":
        from winnow.curation.ray_engine import require_ray

        require_ray()  # before anything else is read: one line naming the extra to install
        from winnow.curation.ray_engine.run import run_curate_ray

        return run_curate_ray(
            inputs, rules, run_dir, format=format, cache_dir=cache_dir, progress=progress, address=ray_address
        )
    rule_file = rules if isinstance(rules, RuleFile) else load_rule_file(rules)
    run_path = Path(run_dir)
    cache_path = Path(cache_dir) if cache_dir is not None else default_cache_dir(run_path)
    if progress is not None:
        progress("reading inputs", 0, 1)
    read = read_corpus(list(inputs), format=format, cache_dir=cache_path)
    if progress is not None:
        progress("reading inputs", 1, 1)
    result = curate_frame(
        read.records,
        rule_file,
        run_dir=run_path,
        cache_dir=cache_path,
        progress=progress,
        quarantined=read.quarantine.height,
        rows_read=read.rows_read,
        inputs=[str(i) for i in inputs],
        formats=read.formats,
    )
    if progress is not None:
        progress("writing run folder", 0, 1)
    result.stats["skipped_files"] = [entry.as_dict() for entry in read.skipped]  # files a folder/glob held
    run = write_run_folder(run_path, result.frame, read.quarantine, result.stats, rule_file, result.tables)
    stats = {"run": run}
    stats.update(result.stats)  # what stats.json holds, its `run` entry first
    if progress is not None:
        progress("writing run folder", 1, 1)
    return CurateResult(run_dir=run_path, frame=result.frame, stats=stats, tables=result.tables)
