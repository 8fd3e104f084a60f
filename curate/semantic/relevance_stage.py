"""The `relevance` stage (order 52): cosine of each kept row's prompt and reply, and `reply_unrelated_to_prompt`.

Runs only when the rule file has a `relevance` section (it needs an encoder folder); after task labels
(order 50) so that per-task minimums and exemptions read them (the data's own `task` otherwise), before
select and mix. The prompt is the last user turn with its `input` (dedup's `instruction_input` key), the
reply the trained reply (the last assistant turn; `chosen` for preference rows). Adds `prompt_reply_cosine`
(Float64, null where a row has no prompt or reply or is dropped already). Vectors are cached by (text,
encoder content digest), shared with semantic dedup. torch and transformers are imported only here.
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl

from winnow.curation.dedup.normalize import key_expr
from winnow.curation.ledger import record_failures, with_ledger
from winnow.curation.record import response_expr
from winnow.curation.semantic.find import unit
from winnow.curation.semantic.relevance_section import RelevanceConfig
from winnow.curation.stages import RuleSet, StageContext, stage

RULE = "reply_unrelated_to_prompt"


def minimum_expr(config: RelevanceConfig) -> pl.Expr:
    """Each row's minimum cosine: its task's own (null = exempt) or the section's."""
    expr = pl.lit(config.min_similarity, pl.Float64)
    for task, minimum in config.tasks:
        expr = pl.when(pl.col("task") == task).then(pl.lit(minimum, pl.Float64)).otherwise(expr)
    return expr


def score_relevance(frame: pl.DataFrame, config: RelevanceConfig, ctx: StageContext) -> pl.DataFrame:
    from winnow.curation.embed.embed import Embedder
    from winnow.curation.embed.settings import EncoderSettings

    frame = with_ledger(frame)
    started = time.perf_counter()
    alive = pl.col("drop_reason").is_null()
    texts = (
        frame.lazy()
        .with_row_index("__row")
        .filter(alive)
        .select(
            "__row",
            key_expr("instruction_input").str.strip_chars().replace("", None).alias("__prompt"),
            response_expr().str.strip_chars().replace("", None).alias("__reply"),
        )
        .filter(pl.col("__prompt").is_not_null() & pl.col("__reply").is_not_null())
        .collect()
    )
    embedder = Embedder(
        EncoderSettings(model=config.model, max_tokens=config.max_tokens, device=config.device), ctx.cache_dir
    )
    cosine = pl.repeat(None, frame.height, dtype=pl.Float64, eager=True).alias("prompt_reply_cosine")
    if texts.height:
        ctx.report_progress("relevance embeddings", 0, 2 * texts.height)
        vectors = unit(embedder.embed([*texts["__prompt"].to_list(), *texts["__reply"].to_list()]))
        prompts, replies = vectors[: texts.height], vectors[texts.height :]
        values = (prompts * replies).sum(axis=1).astype(np.float64)
        cosine = cosine.scatter(texts["__row"], pl.Series(values))
        ctx.report_progress("relevance embeddings", 2 * texts.height, 2 * texts.height)
    frame = frame.with_columns(cosine)
    failing = pl.col("prompt_reply_cosine") < minimum_expr(config)
    frame = record_failures(frame, [(RULE, failing)], flagged={RULE} if config.action == "flag" else ())
    ctx.stats["relevance"] = {
        "model": config.model,
        "model_digest": embedder.digest,
        "rows_scored": texts.height,
        "min_similarity": config.min_similarity,
        "tasks": {task: minimum for task, minimum in config.tasks},
        "failing": int(frame.select(failing.fill_null(False).sum()).item()),
        "action": config.action,
        "texts_encoded": embedder.stats.encoded,
        "texts_from_cache": embedder.stats.from_cache,
        "seconds": round(time.perf_counter() - started, 3),
    }
    return frame


@stage("relevance", order=52)
def relevance_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config: RelevanceConfig | None = rules.get("relevance")
    if config is None:
        return frame
    return score_relevance(frame, config, ctx)
