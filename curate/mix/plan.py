"""Planning a mix: which kept rows a cap drops and how many training copies each remaining row gets.

Order of the steps (each works on the rows the previous ones left):
    1. sources     caps, then weights: a group over its cap keeps its `cap` rows of lowest priority hash;
                   weighted groups are cut down (never up) to the largest sizes that have the weighted shares
    2. languages   the same, over `lang.<field>`
    3. task caps   a task over its cap keeps its `cap` rows of lowest priority hash
    4. task mix    with task weights, the weighted tasks share (total or current size) minus the rows of
                   unweighted tasks; with only a total, every task is scaled to it in proportion. A task over
                   its target drops rows, a task under it gets repeats (never more than max_factor per row)
    5. min_rows    a task still under min_rows copies is upsampled towards it (within max_factor)
Targets are whole numbers by largest remainder, so they add up exactly to what was asked.

Priority = blake2b(seed, id): which rows survive a cap and which get the extra repeat depends on the seed
and the row, never on row order, so the same seed gives the same mix for the same rows in any order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import polars as pl

from winnow.curation.mix.section import Balance, MixConfig
from winnow.curation.split.hashing import cached_uniform_hashes


@dataclass
class MixPlan:
    """Row indices (into the frame given to `plan_mix`) dropped by the mix, and copies per kept row."""

    dropped: list[int] = field(default_factory=list)
    copies: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"row": pl.UInt32, "repeats": pl.Int64})
    )
    notes: list[str] = field(default_factory=list)


def apportion(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Whole numbers proportional to `weights` summing to `total` (largest remainder, ties by name)."""
    weight_sum = sum(weights.values())
    if weight_sum <= 0 or total <= 0:
        return dict.fromkeys(weights, 0)
    exact = {k: total * w / weight_sum for k, w in weights.items()}
    result = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(result.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - result[k]), k))[:left]:
        result[key] += 1
    return result


def _ranked(alive: pl.DataFrame, column: str) -> pl.DataFrame:
    """`rank` = 0-based position of each row within its `column` group by priority."""
    return alive.with_columns((pl.col("priority").rank("ordinal").over(column) - 1).alias("rank"))


def _keep_first(alive: pl.DataFrame, column: str, limits: Mapping[str, int], plan: MixPlan) -> pl.DataFrame:
    """Keep the first `limits[group]` rows of each limited group; the rest go to `plan.dropped`."""
    if not limits:
        return alive
    ranked = _ranked(alive, column).with_columns(
        pl.col(column).replace_strict(dict(limits), default=None, return_dtype=pl.Int64).alias("limit")
    )
    over = pl.col("limit").is_not_null() & (pl.col("rank") >= pl.col("limit"))
    plan.dropped.extend(ranked.filter(over)["row"].to_list())
    return ranked.filter(~over).drop("rank", "limit")


def _resolve_keys(
    values: list[str], keys: Mapping[str, float] | Mapping[str, int], by_name: bool
) -> dict[str, str]:
    """Which config key each column value answers to (sources may be named by file name)."""
    resolved: dict[str, str] = {}
    for value in values:
        if value in keys:
            resolved[value] = value
        elif by_name and PurePath(value).name in keys:
            resolved[value] = PurePath(value).name
    return resolved


def _balance(
    alive: pl.DataFrame, column: str, balance: Balance, by_name: bool, plan: MixPlan
) -> pl.DataFrame:
    values = [v for v in alive[column].unique().to_list() if v is not None]
    cap_keys = _resolve_keys(values, balance.caps, by_name)
    alive = _keep_first(alive, column, {v: balance.caps[k] for v, k in cap_keys.items()}, plan)
    weight_keys = _resolve_keys(values, balance.weights, by_name)
    if not weight_keys:
        return alive
    counts = dict(alive.group_by(column).len().iter_rows())
    weights = {v: balance.weights[k] for v, k in weight_keys.items() if counts.get(v)}
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        return alive
    # the largest pool in which every weighted group still has the rows for its share
    pool = min((counts[v] * weight_sum / w for v, w in weights.items() if w > 0), default=0.0)
    targets = apportion(int(pool + 1e-9), weights)
    return _keep_first(alive, column, {v: min(t, counts[v]) for v, t in targets.items()}, plan)


def _task_targets(counts: dict[str, int], config: MixConfig, plan: MixPlan) -> dict[str, int]:
    weighted = {t: m.weight for t, m in config.tasks.items() if m.weight is not None}
    missing = sorted(t for t in weighted if not counts.get(t))
    if missing:
        plan.notes.append(f"weighted tasks with no rows: {', '.join(missing)}")
    weighted = {t: w for t, w in weighted.items() if counts.get(t)}
    present = sum(counts.values())
    if weighted:
        unweighted = sum(n for t, n in counts.items() if t not in weighted)
        pool = max((config.total if config.total is not None else present) - unweighted, 0)
        if pool == 0:
            plan.notes.append(
                f"the {unweighted} rows of unweighted tasks fill the total: weighted tasks get no rows "
                "(give every task a weight, or raise the total)"
            )
        return apportion(pool, {t: w for t, w in weighted.items() if w is not None})
    if config.total is not None:
        return apportion(config.total, {t: float(n) for t, n in counts.items()})
    return {}


def plan_mix(
    rows: pl.DataFrame, config: MixConfig, language_column: str | None, cache_dir: Path | None = None
) -> MixPlan:
    """Plan the mix over `rows` (kept rows; columns row, id, task, source and optionally the language);
    `cache_dir`: where the rows' priorities are kept for a re-run (winnow.curation.split.hashing)."""
    plan = MixPlan()
    priority = cached_uniform_hashes(rows["id"], f"winnow-mix\x1f{config.seed}\x1f", cache_dir)
    alive = rows.with_columns(pl.Series("priority", priority))
    alive = _balance(alive, "source", config.sources, True, plan)
    if language_column is not None:
        alive = _balance(alive, language_column, config.languages, False, plan)
    task_caps = {t: m.cap for t, m in config.tasks.items() if m.cap is not None}
    alive = _keep_first(alive, "task", task_caps, plan)
    counts = {str(t): int(n) for t, n in alive.group_by("task").len().iter_rows()}
    targets = _task_targets(counts, config, plan)
    alive = _keep_first(alive, "task", {t: min(n, counts[t]) for t, n in targets.items()}, plan)
    # copies per task: its target (at least its rows, at least min_rows), at most max_factor per row; spread
    # as `target // n` for every row and one more for the first `target % n` rows in priority order
    n = pl.len().over("task")
    target = pl.col("task").replace_strict(targets, default=None, return_dtype=pl.Int64).fill_null(n)
    target = pl.max_horizontal(target, n, pl.lit(config.min_rows or 0)).clip(
        upper_bound=n * config.max_factor
    )
    plan.copies = _ranked(alive, "task").select(
        pl.col("row").cast(pl.UInt32),
        ((target // n) + (pl.col("rank") < target % n).cast(pl.Int64)).cast(pl.Int64).alias("repeats"),
    )
    return plan
