"""Decontamination: drop corpus rows that match a row of a reference set (e.g. an eval benchmark).

    out, stats = find_contamination(frame, references, DecontamConfig(key="instruction"), NearConfig())

A corpus row matches when its normalized key equals a reference row's (exact) or, with `near` on, when the
exact Jaccard of their shingles reaches the threshold (MinHash LSH candidates, only corpus-reference pairs);
with `measure: containment`, |A∩B| / min(|A|, |B|) instead, so a short eval question inside a longer
training row matches too (`contaminated_jaccard` then holds the containment).
Each matching row gets `contaminated_by` (the reference row's id), `contaminated_ref` (its source:line) and
`contaminated_jaccard`; the best match wins (exact first, then highest Jaccard, then first reference row).
Rows already dropped are not compared (they leave the training set anyway).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from winnow.curation.dedup.config import DecontamConfig, NearConfig
from winnow.curation.dedup.find import competing_rows, with_row_columns
from winnow.curation.dedup.near import near_duplicates

Progress = Callable[[str, int, int], None]
CONTAMINATION_SCHEMA: dict[str, pl.DataType] = {
    "contaminated_by": pl.String(),
    "contaminated_ref": pl.String(),
    "contaminated_jaccard": pl.Float64(),
}


def _reference_keys(references: pl.DataFrame, key: str) -> pl.DataFrame:
    refs = competing_rows(references.drop("drop_reason", strict=False), key, False, carry=("line",))
    where = pl.concat_str(
        [pl.col("source").fill_null("?"), pl.col("line").cast(pl.String).fill_null("?")], separator=":"
    )
    return refs.select(pl.col("id").alias("ref_id"), where.alias("ref_where"), "__key").with_row_index(
        "__ref"
    )


def find_contamination(
    frame: pl.DataFrame,
    references: pl.DataFrame,
    config: DecontamConfig,
    near: NearConfig,
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    rows = competing_rows(frame, config.key, False).select("__row", "__key")
    refs = _reference_keys(references, config.key)
    exact = (
        rows.join(refs.select("__key", "__ref"), on="__key", how="inner")
        .group_by("__row")
        .agg(pl.col("__ref").min())
        .with_columns(jaccard=pl.lit(1.0), exact=pl.lit(True))
    )
    matches = [exact]
    near_stats: dict[str, Any] = {}
    if config.near and rows.height and refs.height:
        texts = pl.concat([refs["__key"], rows["__key"]])
        groups = np.concatenate([np.zeros(refs.height, np.int8), np.ones(rows.height, np.int8)])
        # the candidate level follows the decontamination threshold and measure, not the dedup one's;
        # listing every duplicate pair (report_pairs) is a dedup output, not a decontamination setting
        settings = dataclasses.replace(
            near,
            threshold=config.threshold,
            measure=config.measure,
            candidate_threshold=None,
            report_pairs=False,
        )
        result = near_duplicates(
            texts,
            settings,
            workers=workers,
            progress=progress,
            groups=groups,
            normalized_input=True,
            all_pairs=True,
        )
        near_stats = result.stats()
        # a < b and references come first, so a is the reference and b - n_refs the corpus row
        pairs = result.pairs.select(
            pl.col("a").cast(pl.UInt32).alias("__ref"),
            (pl.col("b").cast(pl.Int64) - refs.height).alias("__pos"),
            "jaccard",
        )
        positions = rows.select("__row").with_row_index("__pos").with_columns(pl.col("__pos").cast(pl.Int64))
        matches.append(
            pairs.join(positions, on="__pos").select("__row", "__ref", "jaccard", exact=pl.lit(False))
        )
    best = (
        pl.concat(
            [
                m.select(
                    "__row", pl.col("__ref").cast(pl.UInt32), pl.col("jaccard").cast(pl.Float64), "exact"
                )
                for m in matches
            ]
        )
        .sort(["__row", "exact", "jaccard", "__ref"], descending=[False, True, True, False])
        .group_by("__row", maintain_order=True)
        .first()
        .join(refs.select("__ref", "ref_id", "ref_where"), on="__ref", how="left")
        .select(
            "__row",
            pl.col("ref_id").alias("contaminated_by"),
            pl.col("ref_where").alias("contaminated_ref"),
            pl.col("jaccard").alias("contaminated_jaccard"),
            pl.col("exact").alias("__exact"),
        )
    )
    out = with_row_columns(frame, best, CONTAMINATION_SCHEMA)
    exact_hits = int(out["__exact"].fill_null(False).sum())
    out = out.drop("__exact")
    hits = out.filter(pl.col("contaminated_by").is_not_null())
    stats = {
        "reference_rows": refs.height,
        "rows_compared": rows.height,
        "contaminated": hits.height,
        "exact": exact_hits,  # equal normalized key; the others matched by MinHash + Jaccard
        "key": config.key,
        "threshold": config.threshold,
        "measure": config.measure,
        "near": near_stats,
        "sample": hits.select(
            pl.col("id").alias("row_id"), "contaminated_by", "contaminated_ref", "contaminated_jaccard"
        )
        .head(20)
        .to_dicts(),
    }
    return out, stats
