"""The dedup stage (order 40): decontamination first, then exact and near duplicates.

Decontamination runs first so that a row matching an eval set is dropped as `contaminated` (with the
reference row's id and source:line) and never becomes the kept representative of a duplicate cluster.
Dedup then compares only rows still kept; see winnow.curation.dedup.find. With `near.report_pairs`, every
duplicate pair of rows (id_a, id_b, jaccard, exact) is handed to the run writer as `ctx.tables[PAIRS_FILE]`,
which writes RUNDIR/dup_pairs.parquet with the other run files (winnow.curation.run_folder); the stage itself
writes nothing into the run folder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.dedup.config import DecontamConfig, DedupConfig
from winnow.curation.dedup.decontam import find_contamination
from winnow.curation.dedup.find import find_duplicates
from winnow.curation.errors import StageError, WinnowError
from winnow.curation.io.read import read_corpus
from winnow.curation.ledger import record_failures
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
    frame, report = find_duplicates(
        frame, config, workers=ctx.workers, spill_dir=_spill_dir(config, ctx), progress=ctx.report_progress
    )
    frame = record_failures(
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
    # JSON-native values (tuples become lists), so the stats equal what stats.json reads back
    ctx.stats["dedup"] = json.loads(json.dumps(stats))
    return frame
