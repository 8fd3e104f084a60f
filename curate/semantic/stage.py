"""The `semantic_dedup` stage (order 45): duplicates by meaning, after exact and MinHash dedup.

Runs only when the rule file has a `semantic_dedup` section (it needs an encoder folder). After MinHash
dedup (order 40), so that copies and near-copies are already gone and the encoder reads fewer rows; before
tasks, mix and split. Records `semantic_duplicate` in the ledger (action `flag` unless the rule file says
`drop`); vectors are cached by (text, encoder content digest) in the run's cache folder. torch and
transformers are imported only here, when the stage runs.
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl

from winnow.curation.ledger import record_failures
from winnow.curation.semantic.find import REASON, find_semantic_duplicates
from winnow.curation.semantic.section import SemanticDedupConfig
from winnow.curation.stages import RuleSet, StageContext, stage


@stage("semantic_dedup", order=45)
def semantic_dedup_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config: SemanticDedupConfig | None = rules.get("semantic_dedup")
    if config is None:
        return frame
    from winnow.curation.embed.embed import Embedder
    from winnow.curation.embed.settings import EncoderSettings

    started = time.perf_counter()
    embedder = Embedder(
        EncoderSettings(model=config.model, max_tokens=config.max_tokens, device=config.device), ctx.cache_dir
    )

    def embed(texts: list[str]) -> np.ndarray:
        ctx.report_progress("embeddings", 0, len(texts))
        return embedder.embed(texts, lambda done, total: ctx.report_progress("embeddings", done, total))

    frame, stats = find_semantic_duplicates(frame, config, embed)
    frame = record_failures(
        frame,
        [(REASON, pl.col("sem_dup_reason") == REASON)],
        flagged={REASON} if config.action == "flag" else (),
    ).drop("sem_dup_reason")
    stats.update(
        {
            "model": config.model,
            "model_digest": embedder.digest,
            "pooling": embedder.encoder.pooling.mode,
            "texts_encoded": embedder.stats.encoded,
            "texts_from_cache": embedder.stats.from_cache,
            "action": config.action,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    ctx.stats["semantic_dedup"] = stats
    return frame
