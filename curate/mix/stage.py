"""The `mix` stage (order 60): drop rows over caps (reason `mix_cap`) and set `repeats` for upsampling.

`repeats` (Int64) is how many copies of the row go into training: >= 1 on kept rows, 0 on dropped rows.
Export repeats train rows only (val and test rows are evaluated once). Rows a cap removes stay in the
frame, dropped through the ledger. Without a `mix` section every kept row gets repeats = 1.
Stats (ctx.stats["mix"]): rows and copies per task, language and source before and after.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from winnow.curation.mix.plan import plan_mix
from winnow.curation.mix.section import MixConfig
from winnow.curation.sparse_ledger import record_failures_sparse
from winnow.curation.stages import RuleSet, StageContext, stage

REASON = "mix_cap"


def mix_frame(
    frame: pl.DataFrame, config: MixConfig, cache_dir: Path | None = None
) -> tuple[pl.DataFrame, dict[str, Any]]:
    notes: list[str] = []
    language_column: str | None = f"lang.{config.language_field}"
    if language_column not in frame.columns:
        if config.languages.weights or config.languages.caps:
            notes.append(
                f"no language balance: no column {language_column!r} (the language stage did not run)"
            )
        language_column = None
    kept_mask = pl.col("drop_reason").is_null() if "drop_reason" in frame.columns else pl.lit(True)
    # the plan and the statistics read a few columns: select them before any filter (a filter of the whole
    # frame copies every column of the kept rows, texts included: ~0.5 CPU-s of a 1M-row re-run)
    light = [c for c in ("id", "task", "source", language_column, "drop_reason") if c in frame.columns]
    kept = (
        frame.select(light)
        .with_row_index("row")
        .filter(kept_mask)
        .select(
            "row",
            "id",
            pl.col("task").fill_null("other"),
            pl.col("source").fill_null(""),
            *([pl.col(language_column).fill_null("und")] if language_column else []),
        )
    )
    plan = plan_mix(kept, config, language_column, cache_dir)
    notes.extend(plan.notes)
    # repeats: the plan's copies scattered into place, 0 for every row it gives none (dropped or capped)
    repeats = np.zeros(frame.height, dtype=np.int64)
    repeats[plan.copies["row"].to_numpy()] = plan.copies["repeats"].to_numpy()
    capped = np.zeros(frame.height, dtype=bool)
    capped[np.asarray(plan.dropped, dtype=np.int64)] = True
    out = frame.drop("repeats", strict=False).with_columns(
        pl.Series("repeats", repeats), pl.Series("__capped", capped)
    )
    out = record_failures_sparse(out, [(REASON, pl.col("__capped"))]).drop("__capped")
    stats = mix_stats(frame, out, kept_mask, language_column)
    stats.update(
        dropped_mix_cap=len(plan.dropped),
        upsampled_rows=int((plan.copies["repeats"] > 1).sum()),
        max_factor=config.max_factor,
        seed=config.seed,
        total_target=config.total,
        notes=notes,
    )
    return out, stats


def mix_stats(
    before: pl.DataFrame, after: pl.DataFrame, kept_mask: pl.Expr, language_column: str | None
) -> dict[str, Any]:
    """Rows and training copies per task, language and source, before and after the mix."""
    counted = [c for c in ("task", "source", language_column) if c is not None and c in before.columns]
    entering = before.select([*counted, *(["drop_reason"] if "drop_reason" in before.columns else [])])
    entering = entering.filter(kept_mask)
    leaving = after.select(*counted, "repeats", "drop_reason").filter(pl.col("drop_reason").is_null())
    stats: dict[str, Any] = {
        "before": {"rows": entering.height},
        "after": {"rows": leaving.height, "copies": int(leaving["repeats"].sum())},
    }
    dimensions = [("task", "task"), ("source", "source")]
    if language_column is not None:
        dimensions.append(("language", language_column))
    for label, column in dimensions:
        stats["before"][f"by_{label}"] = _counts(entering, column)
        stats["after"][f"by_{label}"] = _counts(leaving, column)
        stats["after"][f"copies_by_{label}"] = {
            str(k): int(v)
            for k, v in leaving.group_by(column)
            .agg(pl.col("repeats").sum())
            .sort(column, nulls_last=True)
            .iter_rows()
        }
    return stats


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in frame.group_by(column).len().sort(column, nulls_last=True).iter_rows()}


@stage("mix", order=60)
def mix_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config = rules.get("mix")
    if config is None:
        kept = pl.col("drop_reason").is_null() if "drop_reason" in frame.columns else pl.lit(True)
        return frame.with_columns(pl.when(kept).then(1).otherwise(0).cast(pl.Int64).alias("repeats"))
    ctx.report_progress("mix", 0, frame.height)
    out, stats = mix_frame(frame, config, ctx.cache_dir)
    ctx.report_progress("mix", frame.height, frame.height)
    ctx.stats["mix"] = stats
    return out
