"""The dedup stage (order 40): decontamination first, then exact and near duplicates.

Decontamination runs first so that a row matching an eval set is dropped as `contaminated` (with the
reference row's id and source:line) and never becomes the kept representative of a duplicate cluster.
Dedup then compares only rows still kept; see winnow.curation.dedup.find. With `near.report_pairs`, every
duplicate pair of rows (id_a, id_b, jaccard, exact) is handed to the run writer as `ctx.tables[PAIRS_FILE]`,
which writes RUNDIR/dup_pairs.parquet with the other run files (winnow.curation.run_folder); the stage itself
writes nothing into the run folder.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.dedup.config import DecontamConfig, DedupConfig
from winnow.curation.dedup.decontam import find_contamination
from winnow.curation.dedup.find import OUTPUT_SCHEMA, DedupReport, find_duplicates
from winnow.curation.dedup.memo import DedupMemo
from winnow.curation.errors import StageError, WinnowError
from winnow.curation.io.read import read_corpus
from winnow.curation.kernels.compiled import registries_loading
from winnow.curation.ledger import record_failures
from winnow.curation.sparse_ledger import record_failures_sparse
from winnow.curation.stage_cache import StageCache, StageOutput, code_digest, column_digest, stage_content
from winnow.curation.stages import RuleSet, StageContext, stage

PAIRS_FILE = "dup_pairs.parquet"


def read_references(config: DecontamConfig) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The reference rows (canonical records) of every reference file, read with the corpus reader.

    Paths, globs and `dataset_info.json:name` entries are what `winnow curate` accepts as inputs,
    relative to the folder winnow runs in. Unreadable reference lines are counted, not hidden.
    """
    try:
        result = read_corpus(list(config.references))
    except WinnowError as error:
        raise StageError(
            f"cannot read the reference set: {error.message}",
            where="dedup.decontaminate.references",
            hint="paths are relative to the folder winnow runs in",
        ) from error
    if result.quarantine.height:
        first = result.quarantine.row(0, named=True)
        problem = f"{result.quarantine.height:,} reference line(s) unreadable, e.g. {first['source']}:{first['line']}: {first['error']}"
        if result.records.height == 0:
            raise StageError(
                f"no reference row could be read ({problem})",
                where="dedup.decontaminate.references",
                hint="reference files use the same formats as corpus inputs (alpaca, sharegpt, messages, ...)",
            )
    info = {
        "files": list(config.references),
        "rows": result.records.height,
        "quarantined": result.quarantine.height,
    }
    return result.records, info


def _spill_dir(config: DedupConfig, ctx: StageContext) -> Path | None:
    if not config.near.spill or ctx.cache_dir is None:
        return None  # None: the system's temporary folder (never the run folder, which appears whole)
    return ctx.cache_dir / "dedup-spill"


def _cache_key(frame: pl.DataFrame, config: DedupConfig, content: str) -> str:
    """What find_duplicates reads: the rows' content (keys, reply lengths), which rows still compete
    (drop_reason null: the reason itself does not matter), ids (cluster names, kept ids, pairs), sources
    (source_priority) and quality scores (best_quality); the whole dedup section; the dedup code."""
    read = [pl.col("drop_reason").is_null().alias("alive"), pl.col("id"), pl.col("source")]
    if config.keep == "best_quality" and "quality_score" in frame.columns:
        read.append(pl.col("quality_score"))
    return StageCache.key(
        "dedup",
        content=content,
        read=column_digest(frame.select(read), ["alive", "id", "source", "quality_score"]),
        settings=repr(config),
        code=code_digest("dedup", "record.py"),
    )


def _duplicates(
    frame: pl.DataFrame, config: DedupConfig, ctx: StageContext
) -> tuple[pl.DataFrame, DedupReport, str]:
    """find_duplicates, or its columns, stats and pairs from the stage cache when nothing it reads changed
    (a flag rule's threshold, the language rules, mix, split); and which it was: hit, incremental (run
    again with the signatures and pair measures of earlier runs, winnow.curation.dedup.memo: a drop rule,
    the language action, the dedup threshold), miss, or off (no cache folder)."""
    cache = StageCache(ctx.cache_dir)
    # decontamination reads reference files that the key does not capture: that path is never cached whole
    # (the memo holds only what the rows' own texts determine, so it serves that path too)
    content = stage_content(frame, ctx) if cache.root is not None else None
    key = _cache_key(frame, config, content) if content and config.decontaminate is None else ""
    hit = cache.load("dedup", key) if key else None
    if hit is not None:
        out = frame.drop([c for c in OUTPUT_SCHEMA if c in frame.columns]).with_columns(hit.columns)
        return out, DedupReport(hit.stats, hit.tables.get(PAIRS_FILE)), "hit"
    memorable = ctx.cache_dir is not None and config.near.enabled and config.near.verify
    memo = DedupMemo.open(ctx.cache_dir, config, content) if memorable else None
    # the memo's lookups run in Polars before the first kernel call: numba's set-up meanwhile
    with registries_loading() if memo is not None else contextlib.nullcontext():
        out, report = find_duplicates(
            frame,
            config,
            workers=ctx.workers,
            spill_dir=_spill_dir(config, ctx),
            progress=ctx.report_progress,
            memo=memo,
        )
    if memo is not None:
        memo.save()
    if key:
        tables = {PAIRS_FILE: report.pairs} if report.pairs is not None else {}
        stats = json.loads(json.dumps(report.stats))
        cache.save("dedup", key, StageOutput(out.select(list(OUTPUT_SCHEMA)), stats, tables))
        report = DedupReport(stats, report.pairs, report.memo)
    if report.memo and report.memo.get("signatures_reused"):
        return out, report, "incremental"
    return out, report, "miss" if ctx.cache_dir is not None else "off"


@stage("dedup", order=40)
def dedup_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config: DedupConfig | None = rules.get("dedup")
    if config is None:
        return frame
    started = time.perf_counter()
    stats: dict[str, Any] = {}
    if config.decontaminate is not None:
        references, info = read_references(config.decontaminate)
        frame, contamination = find_contamination(
            frame,
            references,
            config.decontaminate,
            config.near,
            workers=ctx.workers,
            progress=ctx.report_progress,
        )
        frame = record_failures(
            frame,
            [("contaminated", pl.col("contaminated_by").is_not_null())],
            flagged={"contaminated"} if config.decontaminate.action == "flag" else (),
        )
        stats["decontamination"] = {**contamination, "references": info}
    frame, report, outcome = _duplicates(frame, config, ctx)
    frame = record_failures_sparse(
        frame,
        [
            ("exact_duplicate", pl.col("dup_reason") == "exact_duplicate"),
            ("near_duplicate", pl.col("dup_reason") == "near_duplicate"),
            ("max_per_prompt", pl.col("dup_reason") == "max_per_prompt"),
        ],
        flagged={"exact_duplicate", "near_duplicate", "max_per_prompt"} if config.action == "flag" else (),
    ).drop("dup_reason")
    stats.update(report.stats)
    if report.pairs is not None:  # every near-duplicate pair (near.report_pairs), for the run writer
        ctx.tables[PAIRS_FILE] = report.pairs
        stats["pairs_file"] = PAIRS_FILE
    stats["seconds"] = round(time.perf_counter() - started, 3)
    stats["stage_cache"] = outcome  # hit: clusters from the stage cache (nothing dedup reads changed)
    if report.memo is not None:  # what the memo answered and what was computed anew
        stats["memo"] = report.memo
    # JSON-native values (tuples become lists), so the stats equal what stats.json reads back
    ctx.stats["dedup"] = json.loads(json.dumps(stats))
    return frame
