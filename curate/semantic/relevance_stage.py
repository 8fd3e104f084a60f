"""The `relevance` stage (order 52): cosine of each kept row's prompt and reply, and `reply_unrelated_to_prompt`.

Runs only when the rule file has a `relevance` section (it needs an encoder folder); after task labels
(order 50) so that per-task minimums and exemptions read them (the data's own `task` otherwise), before
select and mix. The prompt is the last user turn with its `input` (dedup's `instruction_input` key: in a
chat, every turn up to the last user turn), the reply the trained reply (the last assistant turn; `chosen` for
preference rows). In a chat the reply is also compared with the last user turn alone, and the higher cosine
counts: a reply answers that turn, and the encoder reads only the first max_seq_length tokens of the whole chat
(256 for all-MiniLM-L6-v2), often not the last turn at all (hand-read hh-rlhf and KTO chats flagged while the
reply answered the last question, "You're welcome!" to "Thanks for your assistance.":
bench/labels/reply_unrelated_to_prompt.jsonl). Adds `prompt_reply_cosine` (Float64, null where a row has no
prompt or reply or is dropped already). Vectors are cached by (text, encoder content digest), shared with
semantic dedup. torch and transformers are imported only here.
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl

from winnow.curation.dedup.normalize import key_expr
from winnow.curation.ledger import record_failures, with_ledger
from winnow.curation.record import input_expr, instruction_expr, response_expr
from winnow.curation.semantic.find import stripped, unit
from winnow.curation.semantic.relevance_section import RelevanceConfig
from winnow.curation.stages import RuleSet, StageContext, stage

RULE = "reply_unrelated_to_prompt"


def minimum_expr(config: RelevanceConfig) -> pl.Expr:
    """Each row's minimum cosine: its task's own (null = exempt) or the section's."""
    expr = pl.lit(config.min_similarity, pl.Float64)
    for task, minimum in config.tasks:
        expr = pl.when(pl.col("task") == task).then(pl.lit(minimum, pl.Float64)).otherwise(expr)
    return expr


def last_turn_expr() -> pl.Expr:
    """The last user turn with its `input`, in rows with more than one user turn (null in the others)."""
    users = pl.col("messages").list.eval(pl.element().struct.field("role") == "user").list.sum()
    turn = pl.concat_str([instruction_expr(), input_expr()], separator="\n", ignore_nulls=True)
    return pl.when(users > 1).then(stripped(turn))


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
            stripped(key_expr("instruction_input")).alias("__prompt"),
            stripped(response_expr()).alias("__reply"),
            last_turn_expr().alias("__turn"),
        )
        .filter(pl.col("__prompt").is_not_null() & pl.col("__reply").is_not_null())
        .collect()
    )
    turns = texts.with_row_index("__at").filter(pl.col("__turn").is_not_null())
    embedder = Embedder(
        EncoderSettings(model=config.model, max_tokens=config.max_tokens, device=config.device), ctx.cache_dir
    )
    cosine = pl.repeat(None, frame.height, dtype=pl.Float64, eager=True).alias("prompt_reply_cosine")
    if texts.height:
        total = 2 * texts.height + turns.height
        ctx.report_progress("relevance embeddings", 0, total)
        vectors = unit(
            embedder.embed(
                [*texts["__prompt"].to_list(), *texts["__reply"].to_list(), *turns["__turn"].to_list()]
            )
        )
        prompts, replies = vectors[: texts.height], vectors[texts.height : 2 * texts.height]
        values = (prompts * replies).sum(axis=1).astype(np.float64)
        at = turns["__at"].to_numpy()
        values[at] = np.maximum(values[at], (vectors[2 * texts.height :] * replies[at]).sum(axis=1))
        cosine = cosine.scatter(texts["__row"], pl.Series(values))
        ctx.report_progress("relevance embeddings", total, total)
    frame = frame.with_columns(cosine)
    failing = pl.col("prompt_reply_cosine") < minimum_expr(config)
    frame = record_failures(frame, [(RULE, failing)], flagged={RULE} if config.action == "flag" else ())
    ctx.stats["relevance"] = {
        "model": config.model,
        "model_digest": embedder.digest,
        "rows_scored": texts.height,
        "chats_scored_on_last_turn": turns.height,
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
