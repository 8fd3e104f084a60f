"""Split assignment: stratified, clusters together, deterministic for a seed, stable under added rows.

The unit of assignment is every row linked to another by the same normalized prompt or the same
near-duplicate cluster (`dup_cluster`), or a row linked to none (winnow.curation.split.units): every row of a unit
lands in the same split, so neither another answer to a test prompt nor a near-copy of a test row sits in
train. Each unit gets u = blake2b(seed, unit key) mapped to [0, 1) (hashlib, not Polars' `Expr.hash`, which
changes between versions); row order plays no part.

Two methods, one trade-off:

    hash    a unit is train when u < f_train, val when u < f_train + f_val, else test. Perfectly stable: a row's
            split depends on its own key only, so adding rows never moves an existing row. But the shares
            are binomial: a stratum of n rows is off by about sqrt(f(1-f)/n) (val 5% of 400 rows: +-1.1 pp).
    exact   within each stratum, units are ordered by u and the order is cut at the fractions (a unit goes
            where the midpoint of its rows falls), so every stratum matches the fractions up to rounding
            (one unit). Ordering by hash, not by row position, keeps it deterministic and
            mostly stable: adding rows moves only units near the two cut points (about sqrt(added rows)).

Several stratify columns (task, language) nest: the first is cut exactly (one rounding per task), the rest
are interleaved inside it — each task x language stratum is spread evenly over its task's order before the
cut — so every task matches the fractions to a row and every task x language to about one row more.

Exact and fully stable together needs memory: rows of a `previous` assignment keep their split, and the
new rows fill each stratum's remaining quota (the deficit of each split against its fraction of the new
stratum size) in hash order. That is how a growing corpus keeps its test set and its shares.

Measured on the 57.7k-row zh+en corpus of ../shared/data (bench/tasks.py), 0.9/0.05/0.05 by task, adding
10% rows: exact 0.24 pp worst task deviation and 57 of 52,491 rows moved; exact + previous 0.24 pp and
0 moved; hash 1.64 pp and 0 moved.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from winnow.curation.split.hashing import uniform_hashes
from winnow.curation.split.section import SPLITS, SplitConfig
from winnow.curation.split.units import PROMPT_COLUMN, unit_key

_NO_VALUE = "\u2205"  # stands for a null stratum value (a row with no language, say)


def unit_positions(keys: Sequence[str], seed: int) -> list[float]:
    """u in [0, 1) per key: the first 8 bytes of blake2b(seed, key) over 2**64."""
    return uniform_hashes(keys, f"winnow-split\x1f{seed}\x1f").tolist()


UNIT, POSITION, RANK = "__unit", "u", "__unit_rank"


def place_units(rows: pl.DataFrame, config: SplitConfig) -> pl.DataFrame:
    """Each row's unit key (UNIT), its unit's position u in [0, 1) (POSITION) and the unit's rank in the order
    of (u, key) (RANK), in the order of `rows` (which needs `id`, optionally `dup_cluster` and PROMPT_COLUMN):
    what the split settings but the seed and the two keep_* switches do not change
    (winnow.curation.split.cache keeps it for a re-run)."""
    units_of = unit_key(rows, prompts=config.keep_prompts_together, clusters=config.keep_clusters_together)
    distinct = units_of.unique(maintain_order=True)
    positions = uniform_hashes(distinct, f"winnow-split\x1f{config.seed}\x1f")
    placed = pl.DataFrame({UNIT: distinct, POSITION: positions, RANK: _unit_rank(distinct, positions)})
    return units_of.rename(UNIT).to_frame().join(placed, on=UNIT, how="left", maintain_order="left")


def _unit_rank(keys: pl.Series, positions: np.ndarray) -> pl.Series:
    """Each (distinct) unit's place in the order of (u, key), 0-based. assign_splits groups units by it and
    orders them by u first and by it next: the same groups and the same order as by the key itself (units with
    equal u are ordered by key, as before). Ranking the keys, which hold whole prompts, by string cost ~0.25 s
    of a re-split at 1M rows; ordered by u first, strings are compared only where two u are equal."""
    order = (
        pl.DataFrame({"u": positions, "key": keys})
        .with_row_index("at")
        .sort("u", "key")
        .get_column("at")
        .to_numpy()
    )
    rank = np.empty(len(order), dtype=np.uint32)
    rank[order] = np.arange(len(order), dtype=np.uint32)
    return pl.Series(rank, dtype=pl.UInt32)


def assign_splits(
    rows: pl.DataFrame,
    stratum_columns: Sequence[str],
    config: SplitConfig,
    pinned: pl.DataFrame | None = None,
    placed: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`rows` (needs `id`, the stratum columns, optionally `dup_cluster` and PROMPT_COLUMN, the normalized
    prompt, which is not handed back) with a `split` column added.

    `pinned` (columns id, split) fixes the split of rows it names; their whole unit follows them. `placed`:
    `place_units(rows, config)` when the caller has it already (from the cache).
    """
    if rows.height == 0:
        return rows.drop(PROMPT_COLUMN, strict=False).with_columns(pl.lit(None, pl.String).alias("split"))
    stratum = (
        pl.concat_str(
            [pl.col(c).cast(pl.String).fill_null(_NO_VALUE) for c in stratum_columns], separator="\x1f"
        )
        if stratum_columns
        else pl.lit("all")
    )
    primary = (
        pl.col(stratum_columns[0]).cast(pl.String).fill_null(_NO_VALUE) if stratum_columns else pl.lit("all")
    )
    placed = place_units(rows, config) if placed is None else placed
    # units go by their rank from here on: the same groups as their keys, and after u the same order (_unit_rank)
    rank = placed.get_column(RANK) if RANK in placed.columns else placed.get_column(UNIT).rank("dense")
    work = rows.drop(PROMPT_COLUMN, strict=False).with_columns(
        rank.alias(UNIT),
        placed.get_column(POSITION),
        stratum.alias("__stratum"),
        primary.alias("__primary"),
    )
    if pinned is not None and pinned.height:
        pins = pinned.select(pl.col("id").cast(pl.String), pl.col("split").cast(pl.String).alias("__pinned"))
        pins = pins.filter(pl.col("__pinned").is_in(list(SPLITS))).unique("id", keep="first")
        work = work.join(pins, on="id", how="left", maintain_order="left")
    else:
        work = work.with_columns(pl.lit(None, pl.String).alias("__pinned"))
    # a cluster whose members differ in stratum counts in its most common one (ties: smallest name); the
    # sort + first-per-unit is much faster than a per-group mode() on a million units
    per_stratum = (
        work.group_by("__unit", "__stratum", "__primary")
        .len()
        .sort(["__unit", "len", "__stratum"], descending=[False, True, False])
    )
    units = per_stratum.group_by("__unit", maintain_order=True).agg(
        pl.col("len").sum().alias("size"), pl.col("__stratum").first(), pl.col("__primary").first()
    )
    units = units.join(work.select(UNIT, POSITION).unique(UNIT), on=UNIT, how="left", maintain_order="left")
    pins_per_unit = (
        work.filter(pl.col("__pinned").is_not_null())
        .group_by("__unit", "__pinned")
        .len()
        .sort(["__unit", "len", "__pinned"], descending=[False, True, False])
        .unique("__unit", keep="first", maintain_order=True)
        .select("__unit", "__pinned")
    )
    units = units.join(pins_per_unit, on="__unit", how="left")
    units = units.join(_stratum_targets(units, config), on="__primary", how="left")
    free = units.filter(pl.col("__pinned").is_null())
    if config.method == "exact":
        # nested: spread each full stratum (task x language) evenly over [0, 1) in hash order, then cut each
        # primary stratum (task) in the order of those positions; with one stratify column this is simply
        # the hash order of each stratum
        free = (
            free.sort(["__stratum", "u", "__unit"])
            .with_columns(_midpoints("__stratum").alias("__sub"))
            .sort(["__primary", "__sub", "u", "__unit"])
            .with_columns(_midpoints("__primary").alias("pos"))
        )
    else:
        free = free.with_columns(pl.col("u").alias("pos"))
    free = free.with_columns(
        pl.when(pl.col("pos") < pl.col("cut_train"))
        .then(pl.lit("train"))
        .when(pl.col("pos") < pl.col("cut_val"))
        .then(pl.lit("val"))
        .otherwise(pl.lit("test"))
        .alias("__split")
    )
    decided = pl.concat(
        [
            free.select("__unit", "__split"),
            units.filter(pl.col("__pinned").is_not_null()).select(
                "__unit", pl.col("__pinned").alias("__split")
            ),
        ]
    )
    out = work.join(decided, on="__unit", how="left", maintain_order="left")
    return out.drop("__unit", POSITION, "__stratum", "__primary", "__pinned").rename({"__split": "split"})


def _midpoints(group: str) -> pl.Expr:
    """Where the middle of each unit's rows falls in its group's (already sorted) sequence, in [0, 1)."""
    size = pl.col("size")
    return (size.cum_sum().over(group) - size / 2) / size.sum().over(group)


def _stratum_targets(units: pl.DataFrame, config: SplitConfig) -> pl.DataFrame:
    """Per primary stratum (the first stratify column) the cut points (cumulative shares) of its free units.

    hash: the configured fractions. exact: each split's deficit against its fraction of the whole stratum
    (pinned rows included), normalized over the free rows — equal to the fractions when nothing is pinned.
    """
    f_train, f_val, f_test = config.fractions
    totals = units.group_by("__primary").agg(
        pl.col("size").sum().alias("n"),
        *[pl.col("size").filter(pl.col("__pinned") == name).sum().alias(f"p_{name}") for name in SPLITS],
    )
    if config.method == "hash":
        return totals.select(
            "__primary", pl.lit(f_train).alias("cut_train"), pl.lit(f_train + f_val).alias("cut_val")
        )
    deficits = totals.with_columns(
        *[
            (pl.col("n") * fraction - pl.col(f"p_{name}")).clip(lower_bound=0.0).alias(f"d_{name}")
            for name, fraction in zip(SPLITS, (f_train, f_val, f_test), strict=True)
        ]
    ).with_columns((pl.col("d_train") + pl.col("d_val") + pl.col("d_test")).alias("d_sum"))
    share = {
        name: pl.when(pl.col("d_sum") > 0)
        .then(pl.col(f"d_{name}") / pl.col("d_sum"))
        .otherwise(pl.lit(fraction))
        for name, fraction in zip(SPLITS, (f_train, f_val, f_test), strict=True)
    }
    return deficits.select(
        "__primary",
        share["train"].alias("cut_train"),
        (share["train"] + share["val"]).alias("cut_val"),
    )
