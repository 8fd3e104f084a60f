"""The work of one block on a worker: ids, then the row-local stages, then the block's statistics.

    out = curate_block(table, rules, cache_root, repeats)   # an Arrow table in, an Arrow table out

Ids: a row's id is its content digest (winnow.curation.io.ids), suffixed `-1`, `-2`, ... for the later copies
of identical content in input order. Which rows are later copies is only known corpus-wide, so the driver
gathers the digests once and hands every block `repeats` (__task, __row, occurrence) of those rows.

Each block runs winnow.curation.run_curate.curate_rows with a cache folder of its own, named by the digests
of its rows (CACHE_ROOT/blocks/<digest>): concurrent workers never write the same cache file, and a re-run
over the same input (a threshold changed) finds each block's metric, mapper and language caches again.
The block's statistics ride in STATS_COLUMN on its first row (null on the others); the driver merges them
(winnow.curation.ray_engine.stats).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import xxhash

from winnow.curation.io.ids import HASH, HASH_HI, HASH_LO
from winnow.curation.ray_engine.read import ROW, TASK, conform
from winnow.curation.rulefile.load import RuleFile
from winnow.curation.run_curate import curate_rows
from winnow.curation.stages import StageContext

STATS_COLUMN = "__block_stats"
BLOCKS_FOLDER = "blocks"


def with_ids(frame: pl.DataFrame, repeats: pl.DataFrame) -> pl.DataFrame:
    """`id` from the digest, with the occurrence suffix of the rows named in `repeats`."""
    joined = frame.join(repeats, on=[TASK, ROW], how="left", maintain_order="left")
    suffix = pl.when(pl.col("__occurrence") > 0).then(pl.format("-{}", pl.col("__occurrence")))
    ident = pl.when(pl.col(HASH).is_not_null()).then(pl.concat_str([pl.col(HASH), suffix], ignore_nulls=True))
    return joined.with_columns(ident.alias("id")).drop("__occurrence", HASH, HASH_HI, HASH_LO)


def block_cache_dir(cache_root: Path | None, frame: pl.DataFrame) -> Path | None:
    """CACHE_ROOT/blocks/<XXH3 of the block's row digests>, or None without a cache."""
    if cache_root is None:
        return None
    digest = xxhash.xxh3_128()
    for name in (HASH_HI, HASH_LO):
        digest.update(frame[name].fill_null(0).rechunk().to_numpy().tobytes())
    return cache_root / BLOCKS_FOLDER / f"{frame.height}-{digest.hexdigest()}"


def curate_block(
    table: pa.Table, rules: RuleFile, cache_root: Path | None, repeats: pl.DataFrame
) -> pa.Table:
    loaded = pl.from_arrow(table)
    assert isinstance(loaded, pl.DataFrame)  # a table, never a single array
    frame = conform(loaded)
    cache_dir = block_cache_dir(cache_root, frame)
    ctx = StageContext(cache_dir=cache_dir, workers=1)
    out, timings = curate_rows(with_ids(frame, repeats), rules, ctx)
    partial = json.dumps({"stages": ctx.stats, "timings": timings}, default=str)
    # a Series, not when(first row).then(literal): Polars would write the literal's bytes into every row
    # (a block of no rows has no statistics to hand back)
    first_row_only = pl.Series(STATS_COLUMN, [partial][: out.height], dtype=pl.String).extend_constant(
        None, max(out.height - 1, 0)
    )
    return out.with_columns(first_row_only).to_arrow()
