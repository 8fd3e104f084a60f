"""The `split` stage (order 70): a `split` column ("train" | "val" | "test") on every kept row.

Dropped rows get null: they are in no split. Without a `split` section the stage does nothing, and export
treats every kept row as train. Stats (ctx.stats["split"]) give each split's composition per task,
language and source, each task's observed shares against the configured fractions, and how many prompts
have rows in more than one split (`prompts_split_across`: 0 with keep_prompts_together).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from winnow.curation.errors import StageError
from winnow.curation.split.assign import POSITION, RANK, UNIT, assign_splits, place_units
from winnow.curation.split.cache import SplitCache
from winnow.curation.split.section import SPLITS, SplitConfig
from winnow.curation.split.units import PROMPT_COLUMN, prompt_keys
from winnow.curation.stage_cache import StageCache, stage_content
from winnow.curation.stages import RuleSet, StageContext, stage


def _pinned(config: SplitConfig, ctx: StageContext, notes: list[str]) -> pl.DataFrame | None:
    if config.previous is None:
        return None
    if config.previous == "run":
        if ctx.run_dir is None or not (Path(ctx.run_dir) / "rows.parquet").exists():
            notes.append("previous: run — no earlier rows.parquet in the run folder, nothing pinned")
            return None
        path = Path(ctx.run_dir) / "rows.parquet"
    else:
        path = Path(config.previous)
    if not path.exists():
        raise StageError(f"previous split assignment {path} does not exist", where="split.previous")
    try:
        previous = pl.read_parquet(path, columns=["id", "split"], glob=False)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise StageError(
            f"cannot read columns id, split from {path}: {error}",
            where="split.previous",
            hint="point it at an earlier run's kept.parquet or rows.parquet",
        ) from error
    previous = previous.filter(pl.col("split").is_not_null())
    notes.append(f"{previous.height} rows pinned to their split in {path}")
    return previous


def stratum_columns(frame: pl.DataFrame, config: SplitConfig, notes: list[str]) -> list[str]:
    columns: list[str] = []
    for name in config.stratify:
        column = {"task": "task", "source": "source", "language": f"lang.{config.language_field}"}[name]
        if column in frame.columns:
            columns.append(column)
        else:
            notes.append(f"not stratified by {name}: no column {column!r} (its stage did not run)")
    return columns


class Split(NamedTuple):
    frame: pl.DataFrame  # the input frame with its `split` column
    stats: dict[str, Any]
    # per kept row, in frame order: its normalized prompt (PROMPT_COLUMN), unit key (UNIT), unit position
    # (POSITION) and the unit's rank in (u, key) order (RANK): what a re-run with other fractions or
    # stratification reuses (winnow.curation.split.cache)
    units: pl.DataFrame


def split_frame(
    frame: pl.DataFrame, config: SplitConfig, ctx: StageContext, known: pl.DataFrame | None = None
) -> Split:
    """The split of `frame`'s kept rows; `known`: the `units` of an earlier split of the same kept rows with
    the same ids, clusters, seed and keep_* switches (then prompts are not normalized nor units hashed again)."""
    notes: list[str] = []
    columns = stratum_columns(frame, config, notes)
    pinned = _pinned(config, ctx, notes)
    kept_mask = pl.col("drop_reason").is_null() if "drop_reason" in frame.columns else pl.lit(True)
    # lazily: only the columns read are filtered (the frame holds ~60)
    kept = frame.lazy().with_row_index("__row").filter(kept_mask)
    units = kept.select("__row", "id", *columns, *_cluster(frame)).collect()
    if known is not None and known.height == units.height and RANK in known.columns:
        units = units.with_columns(known.get_column(PROMPT_COLUMN))
    else:
        units = units.with_columns(prompt_keys(kept))
        known = None
    linked = units if config.keep_prompts_together else units.drop(PROMPT_COLUMN)
    placed = place_units(linked, config) if known is None else known.select(UNIT, POSITION, RANK)
    assigned = assign_splits(linked, columns, config, pinned, placed=placed)
    # each kept row's split put in its place (a join would copy every column); dropped rows: null. A re-run
    # over a frame that has a split already replaces it
    split = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias("split")
    split = split.scatter(assigned.get_column("__row"), assigned.get_column("split"))
    out = frame.drop("split", strict=False).with_columns(split)
    stats = split_stats(out, config, frame.columns)
    stats["prompts_split_across"] = prompts_split_across(
        units.select(PROMPT_COLUMN, assigned["split"]).rename({PROMPT_COLUMN: "prompt"})
    )
    stats["notes"] = notes
    stats["stratified_by"] = columns
    return Split(out, stats, units.select(PROMPT_COLUMN).with_columns(placed))


def prompts_split_across(rows: pl.DataFrame) -> int:
    """How many normalized prompts (column `prompt`) have rows in more than one split (column `split`)."""
    spread = rows.filter(pl.col("prompt").is_not_null()).group_by("prompt").agg(pl.col("split").n_unique())
    return int((spread["split"] > 1).sum())


def _cluster(frame: pl.DataFrame) -> list[str]:
    return ["dup_cluster"] if "dup_cluster" in frame.columns else []


def split_stats(frame: pl.DataFrame, config: SplitConfig, columns: list[str]) -> dict[str, Any]:
    # only the columns counted: every filter and group below would copy all of the frame's ~60 columns
    counted = [
        "split",
        *(c for c in ("task", f"lang.{config.language_field}", "source", "dup_cluster") if c in columns),
    ]
    rows = frame.select(counted).filter(pl.col("split").is_not_null())
    stats: dict[str, Any] = {
        "fractions": dict(zip(SPLITS, config.fractions, strict=True)),
        "method": config.method,
        "seed": config.seed,
        "rows": {name: rows.filter(pl.col("split") == name).height for name in SPLITS},
    }
    for label, column in (
        ("by_task", "task"),
        ("by_language", f"lang.{config.language_field}"),
        ("by_source", "source"),
    ):
        if column in columns:
            stats[label] = _composition(rows, column)
    if "task" in columns:
        stats["task_shares"], stats["max_task_deviation_pp"] = _task_shares(rows, config)
    if "dup_cluster" in columns:
        clusters = rows.filter(pl.col("dup_cluster").is_not_null()).group_by("dup_cluster")
        stats["clusters_split_across"] = int((clusters.agg(pl.col("split").n_unique())["split"] > 1).sum())
    return stats


def _composition(rows: pl.DataFrame, column: str) -> dict[str, dict[str, int]]:
    counts = rows.group_by("split", column).len()
    result: dict[str, dict[str, int]] = {name: {} for name in SPLITS}
    for split, value, n in counts.sort(column, nulls_last=True).iter_rows():
        result[split][str(value)] = int(n)
    return result


def _task_shares(rows: pl.DataFrame, config: SplitConfig) -> tuple[dict[str, dict[str, float]], float | None]:
    """Observed share of each split per task; the largest deviation (pp) among tasks big enough to judge.

    "Big enough": rounding alone can move a share by 0.5/n, so only tasks with n >= 50 are judged at 1 pp.
    """
    shares: dict[str, dict[str, float]] = {}
    worst: float | None = None
    for (task,), group in rows.group_by("task"):
        n = group.height
        observed = {name: group.filter(pl.col("split") == name).height / n for name in SPLITS}
        shares[str(task)] = {name: round(value, 4) for name, value in observed.items()} | {"rows": n}
        if n >= 50:
            deviation = max(abs(observed[s] - f) for s, f in zip(SPLITS, config.fractions, strict=True)) * 100
            worst = deviation if worst is None else max(worst, deviation)
    return dict(sorted(shares.items())), None if worst is None else round(worst, 3)


def cached_split(
    frame: pl.DataFrame, config: SplitConfig, ctx: StageContext
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """split_frame, or its output from the stage cache where nothing it reads changed (winnow.curation.split.cache)."""
    store = StageCache(ctx.cache_dir)
    cache = SplitCache(
        store, frame, config, stage_content(frame, ctx) if store.root is not None and frame.height else ""
    )
    whole = cache.load_whole()
    if whole is not None:
        column, stats = whole
        return frame.drop("split", strict=False).with_columns(column), stats
    known = cache.load_units()
    split = split_frame(frame, config, ctx, known)
    units_known = known is not None and known.height == split.units.height
    stats = cache.save(split.frame.get_column("split"), split.stats, split.units, units_known=units_known)
    return split.frame, stats


@stage("split", order=70)
def split_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config = rules.get("split")
    if config is None:
        return frame
    ctx.report_progress("splits", 0, frame.height)
    out, stats = cached_split(frame, config, ctx)
    ctx.report_progress("splits", frame.height, frame.height)
    ctx.stats["split"] = stats
    return out
