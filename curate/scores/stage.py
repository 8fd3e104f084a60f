"""The `model_scores` stage (order 35): IFD and the reply's losses from a local causal LM, on kept rows only.

Runs only when the rule file has a `model_scores` section (it needs a model folder), after the checks and
language stages so that rows already dropped are never scored (the forward passes are the slow part), and
before dedup so that later stages can read the scores. Adds `loss_with_prompt`, `loss_without_prompt` and
`ifd` (Float64, null where a row is not scored) and the rule `prompt_does_not_help` (ifd >= max_ifd: the
prompt does not help the model predict the reply, which on instruction data usually means a mismatched pair);
its action is `flag` unless the rule file says `drop`; and, unless turned off, `quality_score` (the IFD of rows
below max_ifd), which dedup's `keep: best_quality` reads. torch and transformers are imported only here.
"""

from __future__ import annotations

import time

import polars as pl

from winnow.curation.ledger import record_failures, with_ledger
from winnow.curation.scores.section import ModelScoresConfig
from winnow.curation.stages import RuleSet, StageContext, stage

RULE = "prompt_does_not_help"
SCORE_COLUMNS = ("loss_with_prompt", "loss_without_prompt", "ifd")
_ROW_COLUMNS = ("kind", "system", "messages", "input", "chosen")


def score_frame(frame: pl.DataFrame, config: ModelScoresConfig, ctx: StageContext) -> pl.DataFrame:
    from winnow.curation.scores.ifd import ModelScorer, ScoreSettings

    frame = with_ledger(frame)
    started = time.perf_counter()
    settings = ScoreSettings(
        model=config.model,
        template=config.template,
        max_len=config.max_len,
        max_tokens=config.max_tokens,
        device=config.device,
    )
    scorer = ModelScorer(settings, ctx.cache_dir)
    positions = frame.select(pl.arg_where(pl.col("drop_reason").is_null())).to_series()
    candidates = frame[positions].select(c for c in _ROW_COLUMNS if c in frame.columns)
    ctx.report_progress("model scores", 0, candidates.height)
    result = scorer.score(
        candidates.to_dicts(), lambda done, total: ctx.report_progress("model scores", done, total)
    )
    columns = []
    for name in SCORE_COLUMNS:
        values = pl.Series(name, getattr(result, name), dtype=pl.Float64)
        full = pl.repeat(None, frame.height, dtype=pl.Float64, eager=True).alias(name)
        columns.append(full.scatter(positions, values) if positions.len() else full)
    frame = frame.with_columns(columns)
    failing = pl.col("ifd") >= config.max_ifd
    if config.quality_score:  # for dedup's keep: best_quality (order 40, after this stage)
        frame = frame.with_columns(pl.when(~failing).then(pl.col("ifd")).alias("quality_score"))
    frame = record_failures(frame, [(RULE, failing)], flagged={RULE} if config.action == "flag" else ())
    seconds = time.perf_counter() - started
    ctx.stats["model_scores"] = {
        "model": config.model,
        "model_digest": scorer.digest,
        "template": scorer.template.name,
        "dtype": str(scorer.resolved.dtype).removeprefix("torch."),
        "device": str(scorer.resolved.device),
        "rows_considered": candidates.height,
        "rows_scored": result.computed + result.from_cache,
        "from_cache": result.from_cache,
        "computed": result.computed,
        "not_scored": result.skipped,
        "rule": {"name": RULE, "max_ifd": config.max_ifd, "action": config.action},
        "failing": int(frame.select(failing.fill_null(False).sum()).item()),
        "seconds": round(seconds, 3),
    }
    return frame


@stage("model_scores", order=35)
def model_scores_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config: ModelScoresConfig | None = rules.get("model_scores")
    if config is None:
        return frame
    return score_frame(frame, config, ctx)
