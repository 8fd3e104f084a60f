"""The library entry: exact and near duplicates of a canonical frame, explained on every row.

    out, report = find_duplicates(frame, DedupConfig(key="instruction_input"))

Adds `dup_cluster` (String, null for unique rows), `dup_cluster_size` (Int64; 1 for unique rows),
`dup_kept_id` (String, on dropped members), `dup_jaccard` (Float64, exact Jaccard of the member's shingles
to the kept row's, or their containment when `near.measure` is containment) and `dup_reason` (exact_duplicate /
near_duplicate on rows to drop; max_per_prompt on the rows beyond the first K of a prompt cluster when
`max_per_prompt` is set, `dup_kept_id` then naming the first of the K).
With `near.report_pairs`, `report.pairs` lists every duplicate pair of rows (see `pair_table`).

Only rows not dropped yet (`drop_reason` null) and with a non-empty key compete, so a row already rejected
by a check never becomes the kept representative of a cluster; the other rows get nulls everywhere.
Exact duplicates (equal normalized key) are grouped first and only one row per exact group is signed for
MinHash, so copies cost nothing in the near step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from winnow.curation.dedup.clusters import components
from winnow.curation.dedup.config import DedupConfig
from winnow.curation.dedup.explain import dedup_stats
from winnow.curation.dedup.keep import ranked_rows, reply_chars
from winnow.curation.dedup.keys import (
    HASH_COLUMNS,
    PART_COLUMNS,
    RepTexts,
    RepTextSource,
    Texts,
    normalized_columns,
    raw_columns,
)
from winnow.curation.dedup.memo import DedupMemo
from winnow.curation.dedup.near import near_duplicates, shingle_spec
from winnow.curation.dedup.parts import PartsFilter
from winnow.curation.dedup.replay import near_with_memo
from winnow.curation.dedup.verify import DocSets, ShingleHashes, pair_jaccard
from winnow.curation.record import content_hash

Progress = Callable[[str, int, int], None]
Similarity = Callable[[np.ndarray, np.ndarray], np.ndarray]  # the configured measure of doc pairs a[i], b[i]
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "dup_cluster": pl.String(),
    "dup_cluster_size": pl.Int64(),
    "dup_kept_id": pl.String(),
    "dup_jaccard": pl.Float64(),
    "dup_reason": pl.String(),
}


PAIR_SCHEMA: dict[str, pl.DataType] = {
    "id_a": pl.String(),
    "id_b": pl.String(),
    "jaccard": pl.Float64(),
    "exact": pl.Boolean(),
}


@dataclass
class DedupReport:
    stats: dict[str, Any] = field(default_factory=dict)
    # every duplicate pair of rows (id_a, id_b, jaccard, exact) when `near.report_pairs` is on
    pairs: pl.DataFrame | None = None
    # what the dedup memo answered (winnow.curation.dedup.memo), when one was given: not part of `stats`,
    # which are the same however they were reached
    memo: dict[str, int] | None = None


def with_row_columns(
    frame: pl.DataFrame, columns: pl.DataFrame, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """`frame` with the `schema` columns taken from `columns` (keyed by `__row`, the frame's row index; rows
    it lacks get nulls), replacing any already there, in frame order and cast to `schema`."""
    return (
        frame.drop([c for c in schema if c in frame.columns])
        .with_row_index("__row")
        .join(columns, on="__row", how="left")
        .sort("__row")
        .drop("__row")
        .with_columns([pl.col(c).cast(t) for c, t in schema.items()])
    )


def row_columns(frame: pl.DataFrame | pl.LazyFrame) -> list[pl.Expr]:
    """What dedup reads of a competing row besides its key: its position, id, source, quality score and
    reply length (the keep policies). Only these are carried: every other column of the frame (the texts,
    the metrics) would be copied for every row still kept."""
    names = frame.collect_schema().names()
    wanted = [pl.col("__row"), pl.col("id"), pl.col("source"), reply_chars()]
    return wanted + ([pl.col("quality_score")] if "quality_score" in names else [])


def competing_rows(
    frame: pl.DataFrame, key: str, punctuation_blind: bool, carry: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Rows still kept and with a non-empty key: `row_columns`, the `carry` columns and `__key` (normalized
    key); the `conversation` key also gets its two parts, normalized (PART_COLUMNS)."""
    alive = pl.col("drop_reason").is_null() if "drop_reason" in frame.columns else pl.lit(True)
    raw = raw_columns(key)
    rows = (
        frame.lazy()
        .with_row_index("__row")
        .filter(alive)
        .select(*row_columns(frame), *map(pl.col, carry), *raw)
        .collect()
    )
    raw_names = [expr.meta.output_name() for expr in raw]
    texts = normalized_columns(rows.select(raw_names), key, punctuation_blind)
    rows = pl.concat([rows.drop(raw_names), texts], how="horizontal")
    return rows.filter(pl.col("__key").is_not_null())


def _grouped(
    rows: pl.DataFrame, config: DedupConfig, by: str | list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`rows` with `__group` (the first row of its exact key) and the groups' first rows, in row order."""
    group = pl.col("__row").min().over(by) if config.exact else pl.col("__row")
    rows = rows.with_columns(group.alias("__group"))
    return rows, rows.filter(pl.col("__row") == pl.col("__group")).sort("__row")


def _texts_of(reps: pl.DataFrame) -> dict[str, Texts]:
    return {name: reps[name] for name in ("__key", *PART_COLUMNS) if name in reps.columns}


def _hashed_rows(
    frame: pl.DataFrame, config: DedupConfig, memo: DedupMemo
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Texts]]:
    """competing_rows grouped by the hashes of the keys (from the memo's stage-cache entry when the rows'
    content is unchanged): the representatives' texts are normalized only when asked for (RepTexts)."""
    hashes, texts = memo.row_hashes(frame, config)
    alive = pl.col("drop_reason").is_null() if "drop_reason" in frame.columns else pl.lit(True)
    rows = (
        pl.concat([frame, hashes], how="horizontal")
        .lazy()
        .with_row_index("__row")
        .filter(alive & pl.col("__g1").is_not_null())
        .select(*row_columns(frame), *map(pl.col, HASH_COLUMNS))
        .collect()
    )
    rows, reps = _grouped(rows, config, ["__g1", "__g2"])
    rep_rows = reps["__row"].to_numpy().astype(np.int64)
    names = ["__key", *PART_COLUMNS] if config.key == "conversation" else ["__key"]
    if texts is not None:
        return rows, reps, {name: texts[name].gather(rep_rows) for name in names}
    source = RepTextSource(frame, rep_rows, config.key, config.punctuation_blind)  # shared: one table if made
    lazy = {name: RepTexts(source, name) for name in names}
    return rows, reps, dict(lazy)


_NO_PAIRS = pl.DataFrame(schema={"a": pl.UInt32, "b": pl.UInt32, "jaccard": pl.Float64})


def _cluster_reps(
    reps: pl.DataFrame,
    texts: dict[str, Texts],
    config: DedupConfig,
    workers: int,
    spill_dir: Path | None,
    progress: Progress | None,
    memo: DedupMemo | None,
) -> tuple[np.ndarray, dict[str, Any], Similarity | None, pl.DataFrame, Callable[[], dict[str, int]] | None]:
    """Component label (a rep index) of each exact-group representative, the near step's stats, the
    measure of further rep pairs (members to their kept row), the near-duplicate pairs (a, b, jaccard), and
    what the memo answered, asked at the end (None without one)."""
    n = reps.height
    if not config.near.enabled or n < 2:
        return np.arange(n, dtype=np.int64), {}, None, _NO_PAIRS, None
    parts = None
    if all(name in texts for name in PART_COLUMNS):
        parts = PartsFilter(
            tuple(texts[name] for name in PART_COLUMNS), config.near, shingle_spec(config.near)
        )
    similarity: Similarity | None = None
    memo_stats: Callable[[], dict[str, int]] | None = None  # asked at the end: later pairs count too
    if memo is not None and config.near.verify:
        view = memo.view(reps["__d1"].to_numpy(), reps["__d2"].to_numpy())
        result, judge = near_with_memo(
            texts["__key"],
            config.near,
            view,
            workers=workers,
            spill_dir=spill_dir,
            progress=progress,
            pair_filter=parts,
        )
        similarity = judge.measure_pairs

        def answered(memo: DedupMemo = memo) -> dict[str, int]:
            return {"keys_reused": int(memo.keys_reused), **judge.stats()}

        memo_stats = answered
    else:
        key = texts["__key"]
        assert isinstance(key, pl.Series)  # without the memo, texts are normalized up front
        result = near_duplicates(
            key,
            config.near,
            workers=workers,
            spill_dir=spill_dir,
            progress=progress,
            normalized_input=True,
            pair_filter=parts,
        )
        similarity = _measure_of(result.member_sets, result.member_hashes, config.near.measure)
    labels = components(n, result.pairs["a"].to_numpy(), result.pairs["b"].to_numpy())
    return labels, result.stats(), similarity, result.pairs, memo_stats


def _measure_of(sets: DocSets | None, hashes: ShingleHashes | None, measure: str) -> Similarity | None:
    if sets is not None:  # the sets verification built (every candidate doc)
        return lambda a, b: sets.similarity(a, b, measure)
    if hashes is not None:
        return lambda a, b: pair_jaccard(hashes, a, b, measure=measure)
    return None


def pair_table(rows: pl.DataFrame, rep_pairs: pl.DataFrame, ids: pl.Series) -> pl.DataFrame:
    """Every duplicate pair of rows: id_a (the earlier row), id_b, jaccard (the configured measure) and
    exact (same normalized key; jaccard 1.0).

    A near pair of two exact-group representatives stands for every row of one group with every row of
    the other (their keys, hence their shingles, are the same); rows of one exact group pair with each
    other. `rows` has __rep (its group's representative) and __row (the position in the frame whose
    `ids` are given). Pairs are joined and sorted on row positions; ids are looked up last (millions
    of pairs with templated prompts: strings in every intermediate frame cost several times more).
    """
    members = rows.select("__rep", pl.col("__row").cast(pl.UInt32))

    def side(tag: str) -> pl.DataFrame:
        return members.rename({"__rep": tag, "__row": f"row_{tag}"})

    near = (
        rep_pairs.join(side("a"), on="a")
        .join(side("b"), on="b")
        .select(
            pl.min_horizontal("row_a", "row_b").alias("first"),
            pl.max_horizontal("row_a", "row_b").alias("second"),
            "jaccard",
            pl.lit(False).alias("exact"),
        )
    )
    exact = (
        side("a")
        .join(side("b"), left_on="a", right_on="b")
        .filter(pl.col("row_a") < pl.col("row_b"))
        .select(
            pl.col("row_a").alias("first"),
            pl.col("row_b").alias("second"),
            pl.lit(1.0).alias("jaccard"),
            pl.lit(True).alias("exact"),
        )
    )
    both = pl.concat([near, exact], how="vertical_relaxed").sort("first", "second")
    return pl.DataFrame(
        {
            "id_a": ids.gather(both["first"]),
            "id_b": ids.gather(both["second"]),
            "jaccard": both["jaccard"],
            "exact": both["exact"],
        }
    ).select([pl.col(c).cast(t) for c, t in PAIR_SCHEMA.items()])


def _with_jaccard(members: pl.DataFrame, similarity: Similarity | None) -> pl.DataFrame:
    """`__jaccard` (the configured measure) of each member to its cluster's kept row (1.0 within one
    exact group)."""
    pairs = members.filter(pl.col("__rep") != pl.col("kept_rep")).select("__rep", "kept_rep").unique()
    pairs = pairs.sort(["__rep", "kept_rep"])
    jac = np.zeros(0)
    if (
        pairs.height and similarity is not None
    ):  # reps of different exact groups share a cluster only via near
        jac = similarity(
            pairs["__rep"].to_numpy().astype(np.int64), pairs["kept_rep"].to_numpy().astype(np.int64)
        )
    pairs = pairs.with_columns(__jaccard=pl.Series(jac, dtype=pl.Float64))
    return members.join(pairs, on=["__rep", "kept_rep"], how="left").with_columns(
        pl.col("__jaccard").fill_null(1.0)
    )


def find_duplicates(
    frame: pl.DataFrame,
    config: DedupConfig,
    *,
    workers: int = 2,
    spill_dir: Path | None = None,
    progress: Progress | None = None,
    memo: DedupMemo | None = None,
) -> tuple[pl.DataFrame, DedupReport]:
    """`memo` (winnow.curation.dedup.memo): signatures and pair measures of earlier runs, reused where they
    apply and extended with this run's (the caller saves it); the output is the same with or without."""
    if memo is not None and config.near.enabled and config.near.verify:
        rows, reps, texts = _hashed_rows(frame, config, memo)
    else:
        rows, reps = _grouped(competing_rows(frame, config.key, config.punctuation_blind), config, "__key")
        texts = _texts_of(reps)
    reps = reps.select("__group", *[c for c in ("__d1", "__d2") if c in reps.columns])
    labels, near_stats, similarity, rep_pairs, memo_stats = _cluster_reps(
        reps, texts, config, workers, spill_dir, progress, memo
    )
    rep_index = reps.select("__group").with_row_index("__rep").with_columns(cluster=pl.Series(labels))
    rows = rows.join(rep_index, on="__group", how="left").with_columns(size=pl.len().over("cluster"))

    members = rows.filter(pl.col("size") > 1)
    ranks, note = ranked_rows(members, config.keep, config.source_priority)
    members = members.join(ranks, on="__row", how="left")
    kept_info = members.filter(pl.col("__row") == pl.col("kept_row")).select(
        "cluster",
        pl.col("id").alias("kept_id"),
        pl.col("__group").alias("kept_group"),
        pl.col("__rep").alias("kept_rep"),
    )
    members = _with_jaccard(members.join(kept_info, on="cluster", how="left"), similarity)

    whole = config.keep == "drop_whole_cluster"
    capped = config.max_per_prompt is not None  # K answers per prompt stay; the others are beyond the cap
    is_kept = (pl.col("__rank") < (config.max_per_prompt or 1)) & pl.lit(not whole)
    # exact_duplicate: same normalized key as the kept row (or, dropping whole clusters, a cluster of copies)
    exact = (
        (pl.col("__group").n_unique().over("cluster") == 1)
        if whole
        else (pl.col("__group") == pl.col("kept_group"))
    )
    reason = (
        pl.when(is_kept)
        .then(None)
        .when(pl.lit(capped))
        .then(pl.lit("max_per_prompt"))
        .when(exact)
        .then(pl.lit("exact_duplicate"))
        .otherwise(pl.lit("near_duplicate"))
    )
    # cluster ids come from the smallest member id: stable across runs, keep policies and row order
    min_ids = members.group_by("cluster").agg(pl.col("id").min().alias("min_id"))
    names = {m: "dup-" + content_hash(m, digest_size=8) for m in min_ids["min_id"].to_list()}
    explained = members.join(min_ids, on="cluster", how="left").select(
        "__row",
        pl.col("min_id").replace_strict(names, return_dtype=pl.String).alias("dup_cluster"),
        pl.col("size").cast(pl.Int64).alias("dup_cluster_size"),
        pl.when(is_kept | pl.lit(whole)).then(None).otherwise(pl.col("kept_id")).alias("dup_kept_id"),
        pl.when(pl.lit(whole)).then(None).otherwise(pl.col("__jaccard")).alias("dup_jaccard"),
        reason.alias("dup_reason"),
    )
    singles = rows.filter(pl.col("size") == 1).select("__row", pl.lit(1, pl.Int64).alias("dup_cluster_size"))
    columns = pl.concat([explained, singles], how="diagonal_relaxed")
    out = with_row_columns(frame, columns, OUTPUT_SCHEMA)
    stats = dedup_stats(out, competing=rows.height, config=config, near=near_stats, note=note)
    pairs = None
    if config.near.report_pairs:
        pairs = pair_table(rows, rep_pairs, frame["id"])
        stats["pairs_reported"] = pairs.height
    return out, DedupReport(stats, pairs, memo_stats() if memo_stats is not None else None)
