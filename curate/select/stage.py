"""The `select` stage (order 55): keep the best rows under a budget, drop the others as `not_selected`.

Runs only when the rule file has a `select` section; after dedup, semantic dedup and task labels (so the
budget is spent on distinct rows and can be shared among tasks), before mix and split. Reads the metric
column named by `by` (ifd from `model_scores`, or any numeric column); a missing column is a clear error
naming the columns there are. Adds `select_rank` (Int64, 1 = chosen first) and `select_note` (String: why a
kept row was not chosen: no_metric, flagged, over_budget, too_close_to <id>), and drops every candidate
not chosen with reason `not_selected`. Stats: budget, candidates, chosen, and the budget curve (the metric
value at which the 10%, 20%, ... 100% of the budget was reached) for the report.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from winnow.curation.errors import StageError
from winnow.curation.ledger import record_failures, with_ledger
from winnow.curation.select.pick import pick
from winnow.curation.select.section import SelectConfig
from winnow.curation.stages import RuleSet, StageContext, stage

REASON = "not_selected"


def _vectors(candidates: pl.DataFrame, config: SelectConfig, ctx: StageContext) -> np.ndarray | None:
    if config.diversity <= 0 or config.model is None:
        return None
    from winnow.curation.embed.embed import Embedder
    from winnow.curation.embed.settings import EncoderSettings
    from winnow.curation.semantic.find import competing_rows, unit

    texts = competing_rows(candidates, config.key)
    vectors = np.zeros((candidates.height, 1), dtype=np.float32)
    if texts.height:
        found = unit(
            Embedder(EncoderSettings(model=config.model), ctx.cache_dir).embed(texts["__text"].to_list())
        )
        vectors = np.zeros((candidates.height, found.shape[1]), dtype=np.float32)
        vectors[texts["__row"].to_numpy()] = found  # a row without key text is never too close to another
    return vectors


def select_rows(frame: pl.DataFrame, config: SelectConfig, ctx: StageContext) -> pl.DataFrame:
    frame = with_ledger(frame)
    if config.by not in frame.columns or not frame.schema[config.by].is_numeric():
        numeric = sorted(c for c, t in frame.schema.items() if t.is_numeric() and c not in ("line",))
        raise StageError(
            f"select.by names {config.by!r}, which is not a numeric column of the rows",
            where="select.by",
            hint=f"numeric columns: {', '.join(numeric) or 'none'} (ifd needs a model_scores section)",
        )
    positions = frame.select(pl.arg_where(pl.col("drop_reason").is_null())).to_series()
    candidates = frame[positions]
    scores = candidates[config.by].cast(pl.Float64).fill_null(float("nan")).to_numpy()
    eligible = (
        (candidates["flagged_rules"].list.len() == 0).to_numpy()
        if config.skip_flagged
        else np.ones(candidates.height, dtype=bool)
    )
    groups = None
    if config.per_task and "task" in candidates.columns:
        groups = candidates["task"].fill_null("").rank("dense").to_numpy().astype(np.int64)
    budget = config.rows(candidates.height)
    picked = pick(
        scores,
        eligible,
        budget,
        descending=config.order == "desc",
        groups=groups,
        vectors=_vectors(candidates, config, ctx),
        diversity=config.diversity,
        ids=candidates["id"].to_list(),
    )
    rank = pl.repeat(None, frame.height, dtype=pl.Int64, eager=True).alias("select_rank")
    note = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias("select_note")
    if positions.len():
        rank = rank.scatter(positions, pl.Series(picked.rank, dtype=pl.Int64))
        note = note.scatter(positions, pl.Series(picked.note, dtype=pl.String))
    frame = frame.with_columns(rank, note)
    frame = record_failures(frame, [(REASON, pl.col("select_note").is_not_null())])
    ctx.stats["select"] = _stats(config, budget, scores, picked.rank, picked.note)
    return frame


def _stats(
    config: SelectConfig, budget: int, scores: np.ndarray, rank: list[int | None], note: list[str | None]
) -> dict[str, Any]:
    chosen = sorted((r, float(scores[i])) for i, r in enumerate(rank) if r is not None)
    curve = (
        {
            f"{pct}%": round(chosen[max(0, -(-pct * len(chosen) // 100) - 1)][1], 6)
            for pct in range(10, 101, 10)
        }
        if chosen
        else {}
    )
    reasons: dict[str, int] = {}
    for why in note:
        if why is not None:
            head = why.split(" ")[0]
            reasons[head] = reasons.get(head, 0) + 1
    return {
        "by": config.by,
        "order": config.order,
        "budget": budget,
        "candidates": len(rank),
        "chosen": len(chosen),
        "not_chosen": dict(sorted(reasons.items())),
        "diversity": config.diversity,
        "per_task": config.per_task,
        "metric_at_budget_share": curve,  # the budget curve: metric of the last row chosen at each share
    }


@stage("select", order=55)
def select_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config: SelectConfig | None = rules.get("select")
    if config is None:
        return frame
    ctx.report_progress("select", 0, 1)
    frame = select_rows(frame, config, ctx)
    ctx.report_progress("select", 1, 1)
    return frame
