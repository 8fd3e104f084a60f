"""Stage `mappers` (order 10): apply the rule file's cleaning steps to every text field of every row.

Fields: system, input, chosen, rejected, text and the content of every message (roles untouched).
Each step is counted: `ctx.stats["mappers"]["steps"][i]["rows_changed"]` with a few before/after
examples for the report. Nothing is lost: rows that any step changed carry their original text fields
in the `original` struct column (null on unchanged rows).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from winnow.curation.mappers.cache import apply_mappers_cached
from winnow.curation.mappers.patch import gathered, replace_rows
from winnow.curation.mappers.registry import registered_mappers
from winnow.curation.mappers.section import MappersConfig, MapperStep
from winnow.curation.stages import RuleSet, StageContext, stage

STRING_FIELDS = ("system", "input", "chosen", "rejected", "text")
TEXT_FIELDS = (*STRING_FIELDS, "messages")
TEXT_FIELDS_AND_ID = ("id", *TEXT_FIELDS)  # what mapping reads (the id names the report's examples)
EXAMPLES_PER_STEP = 3
EXAMPLE_CHARS = 300


def step_expressions(step: MapperStep) -> list[pl.Expr]:
    """The step applied to every text column (message contents inside the list)."""
    spec = registered_mappers()[step.mapper]

    def apply(text: pl.Expr) -> pl.Expr:
        return spec.function(text, **step.params)

    exprs = [apply(pl.col(name)).alias(name) for name in STRING_FIELDS]
    exprs.append(
        pl.col("messages")
        .list.eval(pl.element().struct.with_fields(apply(pl.field("content")).alias("content")))
        .alias("messages")
    )
    return exprs


def _changed(before: pl.DataFrame, after: pl.DataFrame) -> pl.Series:
    masks = [before[name].ne_missing(after[name]) for name in TEXT_FIELDS]
    mask = masks[0]
    for other in masks[1:]:
        mask = mask | other
    return mask.fill_null(False)


def _clip(value: Any) -> str:
    text = str(value)
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + "…"


def _examples(before: pl.DataFrame, after: pl.DataFrame, mask: pl.Series) -> list[dict[str, str]]:
    """Up to EXAMPLES_PER_STEP (id, field, before, after) for the report, first changed field of a row."""
    examples: list[dict[str, str]] = []
    cols = ["id", *TEXT_FIELDS]
    rows_before = before.filter(mask).head(EXAMPLES_PER_STEP).select(cols).to_dicts()
    rows_after = after.filter(mask).head(EXAMPLES_PER_STEP).select(cols).to_dicts()
    for old, new in zip(rows_before, rows_after, strict=True):
        for name in STRING_FIELDS:
            if old[name] != new[name]:
                examples.append(
                    {
                        "id": str(old["id"]),
                        "field": name,
                        "before": _clip(old[name]),
                        "after": _clip(new[name]),
                    }
                )
                break
        else:
            for i, (m_old, m_new) in enumerate(
                zip(old["messages"] or [], new["messages"] or [], strict=True)
            ):
                if m_old["content"] != m_new["content"]:
                    examples.append(
                        {
                            "id": str(old["id"]),
                            "field": f"messages[{i}]",
                            "before": _clip(m_old["content"]),
                            "after": _clip(m_new["content"]),
                        }
                    )
                    break
    return examples


def apply_mappers(frame: pl.DataFrame, config: MappersConfig) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The mapped frame (with `original`) and the stage's stats."""
    mapped, stats, _bits = map_rows(frame, config)
    return mapped, stats


def trigger_pattern(config: MappersConfig) -> str | None:
    """One regex matching every text some step would change; None when a step has no trigger."""
    known = registered_mappers()
    patterns = []
    for step in config.steps:
        trigger = known[step.mapper].trigger
        if trigger is None:
            return None
        patterns.append(f"(?:{trigger(**step.params)})")
    return "|".join(patterns)


def candidate_rows(frame: pl.DataFrame, config: MappersConfig) -> pl.Series | None:
    """Rows with a text that matches a step's trigger (the only rows mapping can change), or None."""
    pattern = trigger_pattern(config)
    if pattern is None:
        return None
    matches = [pl.col(name).str.contains(pattern).fill_null(False) for name in STRING_FIELDS]
    matches.append(
        pl.col("messages")
        .list.eval(pl.element().struct.field("content").str.contains(pattern).fill_null(False))
        .list.any()
        .fill_null(False)
    )
    return frame.select(pl.any_horizontal(matches).alias("candidate"))["candidate"]


def map_rows(frame: pl.DataFrame, config: MappersConfig) -> tuple[pl.DataFrame, dict[str, Any], pl.Series]:
    """Mapped frame, stats, and per row a bitmask of the steps that changed it (bit i = step i).

    Only rows matching a step's trigger are mapped (typically a few percent of real data); the others
    cannot change, so the result, the counts and the examples (first changed rows in order) are the same
    as mapping every row.
    """
    candidates = candidate_rows(frame, config) if config.steps else None
    if candidates is None or bool(candidates.all()):
        return _map_every_row(frame, config)
    rows = candidates.arg_true()
    subset = pl.DataFrame([gathered(frame[name], rows) for name in TEXT_FIELDS_AND_ID])
    mapped, stats, some_bits = _map_every_row(subset, config)
    stats["rows"] = frame.height
    bits = pl.repeat(0, frame.height, dtype=pl.UInt32, eager=True).alias("steps").scatter(rows, some_bits)
    changed = some_bits > 0
    result, original = replace_rows(frame, rows.filter(changed), mapped.filter(changed).select(TEXT_FIELDS))
    return result.with_columns(original), stats, bits


def _map_every_row(
    frame: pl.DataFrame, config: MappersConfig
) -> tuple[pl.DataFrame, dict[str, Any], pl.Series]:
    original = frame.select(pl.struct(list(TEXT_FIELDS)).alias("original"))["original"]
    any_changed = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True).alias("changed")
    bits = pl.repeat(0, frame.height, dtype=pl.UInt32, eager=True).alias("steps")
    steps: list[dict[str, Any]] = []
    current = frame
    for position, step in enumerate(config.steps):
        mapped = current.with_columns(step_expressions(step))
        mask = _changed(current, mapped)
        bits = bits + mask.cast(pl.UInt32) * (1 << position)
        steps.append(
            {
                "mapper": step.mapper,
                "params": dict(step.params),
                "rows_changed": int(mask.sum()),
                "examples": _examples(current, mapped, mask) if mask.any() else [],
            }
        )
        any_changed = any_changed | mask
        current = mapped
    kept_original = pl.select(pl.when(pl.lit(any_changed)).then(pl.lit(original)))
    current = current.with_columns(kept_original.to_series().alias("original"))
    stats = {"steps": steps, "rows_changed": int(any_changed.sum()), "rows": frame.height}
    return current, stats, bits


@stage("mappers", order=10)
def mappers_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config = rules.get("mappers")
    if not isinstance(config, MappersConfig) or not config.steps:
        return frame
    ctx.report_progress("cleaning text (mappers)", 0, len(config.steps))
    if ctx.cache_dir is not None:
        mapped, stats = apply_mappers_cached(frame, config, ctx.cache_dir)
    else:
        mapped, stats = apply_mappers(frame, config)
    ctx.stats["mappers"] = stats
    ctx.report_progress("cleaning text (mappers)", len(config.steps), len(config.steps))
    return mapped
