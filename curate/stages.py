"""The stage registry: `winnow curate` runs every registered stage in order over one frame.

    @stage("dedup", order=40)
    def dedup_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
        config = rules.get("dedup")
        if config is None:
            return frame
        ...  # add columns, call winnow.curation.ledger.record_failures, put counts in ctx.stats["dedup"]
        ctx.tables["dup_pairs.parquet"] = pairs  # a table for the run folder: the run writer writes it

Stages never delete rows (see winnow.curation.ledger) and write nothing into the run folder themselves: the run
folder appears whole at the end (winnow.curation.run_folder), holding the tables they put in `ctx.tables`.
Orders: mappers 10, checks 20, language 30, model_scores 35, dedup 40, semantic_dedup 45, tasks 50, relevance 52, select 55, mix 60, split 70.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

RuleSet = dict[str, Any]  # section name → parsed config of that section


@dataclass
class StageContext:
    """What a stage may use besides the frame: where to write, where to cache, where to report."""

    run_dir: Path | None = None
    cache_dir: Path | None = None
    stats: dict[str, Any] = field(default_factory=dict)  # each stage writes stats[stage_name] (JSON-able)
    # tables a stage hands to the run writer (file name → table, names in winnow.curation.run_folder.STAGE_FILES):
    # written into the run folder's staging folder with the run files, never into the live folder
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    progress: Callable[[str, int, int], None] | None = None  # (description, done, total)
    workers: int = 2
    # (rows, content digest) of the frame the current stage sees, shared by the stages between two of
    # CONTENT_CHANGING, which change no content column (tests/test_stage_content.py): one digest names their
    # rows (winnow.curation.stage_cache.stage_content)
    content: tuple[int, str] | None = None

    def report_progress(self, description: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(description, done, total)


StageFunction = Callable[[pl.DataFrame, RuleSet, StageContext], pl.DataFrame]


@dataclass(frozen=True)
class Stage:
    name: str
    order: int
    function: StageFunction


_STAGES: dict[str, Stage] = {}

# Stages that judge each row from that row alone: they run per block on a cluster (winnow.curation.ray_engine)
# through winnow.curation.run_curate.curate_rows, which the local engine runs too. The others see the whole
# corpus (dedup, tasks, mix, split, ...).
ROW_LOCAL_STAGES = ("mappers", "checks", "language")
# The stages that change a content column (winnow.curation.cache.content_columns), and which: the mappers any
# text (None), the tasks stage `task` alone. Between two of them the content digest stays the same
# (StageContext.content); after one that names its columns, it is the one before plus those columns' digest.
CONTENT_CHANGING: dict[str, tuple[str, ...] | None] = {"mappers": None, "tasks": ("task",)}

STAGE_MODULES = (
    "winnow.curation.mappers.stage",
    "winnow.curation.checks.stage",
    "winnow.curation.language.stage",
    "winnow.curation.scores.stage",
    "winnow.curation.dedup.stage",
    "winnow.curation.semantic.stage",
    "winnow.curation.tasks.stage",
    "winnow.curation.semantic.relevance_stage",
    "winnow.curation.select.stage",
    "winnow.curation.mix.stage",
    "winnow.curation.split.stage",
)


def stage(name: str, *, order: int) -> Callable[[StageFunction], StageFunction]:
    def register(function: StageFunction) -> StageFunction:
        _STAGES[name] = Stage(name=name, order=order, function=function)
        return function

    return register


def registered_stages() -> list[Stage]:
    """Every stage whose module exists, in run order."""
    for module in STAGE_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name is None or not module.startswith(error.name):
                raise
    return sorted(_STAGES.values(), key=lambda s: s.order)
