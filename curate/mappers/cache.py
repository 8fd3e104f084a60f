"""The mapper cache: re-running a rule file whose mappers did not change re-maps nothing.

Keyed by the raw row content (`curate.cache.row_keys`, before any mapper) and the mapper steps with
their params. Per row it keeps a bitmask of the steps that changed the row and, for changed rows only,
the mapped text fields; unchanged rows cost 20 bytes. Rows not in the cache are mapped as usual and
added. Stats (rows changed per step) are recomputed from the bitmasks; before/after examples come from
the rows mapped in this run, or from the run that filled the cache.

Layout: CACHE_DIR/mappers/<blake2b of steps>.parquet (k1, k2, steps, mapped) and a .json with examples.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from curate.atomic import write_json, write_parquet
from curate.cache import CACHE_FORMAT, MAX_CACHED_ROWS, content_columns, hand_on_keys, row_keys

if TYPE_CHECKING:
    from curate.mappers.section import MappersConfig

MAX_STEPS = 31  # the per-row bitmask is a UInt32


def steps_identity(config: MappersConfig) -> str:
    payload = json.dumps([CACHE_FORMAT, pl.__version__, config.to_raw()], sort_keys=True, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


def _read(path: Path) -> pl.DataFrame | None:
    try:
        return pl.read_parquet(path) if path.is_file() else None
    except Exception:  # a damaged cache file is a cold cache
        return None


def apply_mappers_cached(
    frame: pl.DataFrame, config: MappersConfig, cache_dir: Path
) -> tuple[pl.DataFrame, dict[str, Any]]:
    from curate.mappers.stage import TEXT_FIELDS, map_rows

    if len(config.steps) > MAX_STEPS:
        mapped, stats, _bits = map_rows(frame, config)
        return mapped, stats
    identity = steps_identity(config)
    path = cache_dir / "mappers" / f"{identity}.parquet"
    examples_path = path.with_suffix(".json")
    cached = _read(path)
    premapped = None
    if cached is None:
        # Nothing cached: every row is mapped. Hash the rows meanwhile (both run inside Polars, without
        # the GIL, and one alone keeps ~1.5 of the cores busy).
        with ThreadPoolExecutor(max_workers=1) as pool:
            hashing = pool.submit(row_keys, frame)
            premapped = map_rows(frame, config)
            keys = hashing.result()
    else:
        keys = row_keys(frame)
    if (
        cached is not None
        and cached.height >= keys.height
        and cached.head(keys.height).select("k1", "k2").equals(keys)
    ):
        known = cached.head(keys.height).with_columns(pl.lit(True).alias("hit"))
    elif cached is not None:
        known = keys.join(
            cached.unique(["k1", "k2"], keep="first").with_columns(pl.lit(True).alias("hit")),
            on=["k1", "k2"],
            how="left",
            maintain_order="left",
        ).with_columns(pl.col("hit").fill_null(False))
    else:
        known = keys.with_columns(
            pl.lit(None, pl.UInt32).alias("steps"),
            pl.lit(None, pl.Struct({f: frame.schema[f] for f in TEXT_FIELDS})).alias("mapped"),
            pl.lit(False).alias("hit"),
        )
    miss = ~known["hit"]
    examples: list[list[dict[str, str]]] = [[] for _ in config.steps]
    bits = known["steps"]
    mapped_values = known["mapped"]
    computed_rows = int(miss.sum())
    result: pl.DataFrame | None = None  # the mapped frame, when map_rows made it for every row
    if computed_rows:
        rows = miss.arg_true()
        every_row = computed_rows == frame.height  # cold cache: no gather, no merge
        fresh, fresh_stats, fresh_bits = premapped or map_rows(frame if every_row else frame[rows], config)
        examples = [step["examples"] for step in fresh_stats["steps"]]
        fresh_mapped = fresh.select(
            pl.when(pl.lit(fresh_bits) > 0).then(pl.struct(list(TEXT_FIELDS))).alias("mapped")
        )["mapped"]
        patch = pl.DataFrame({"__row": rows.cast(pl.UInt32), "__steps": fresh_bits, "__mapped": fresh_mapped})
        if every_row:
            bits, mapped_values, result = fresh_bits, fresh_mapped, fresh
        else:
            merged = (
                known.with_row_index("__row")
                .join(patch, on="__row", how="left", maintain_order="left")
                .select(
                    pl.coalesce("__steps", "steps").alias("steps"),
                    pl.when(pl.col("__row").is_in(patch["__row"].implode()))
                    .then(pl.col("__mapped"))
                    .otherwise(pl.col("mapped"))
                    .alias("mapped"),
                )
            )
            bits, mapped_values = merged["steps"], merged["mapped"]
        older = cached.join(keys, on=["k1", "k2"], how="anti") if cached is not None else None
        current = keys.with_columns(bits.alias("steps"), mapped_values.alias("mapped"))
        if older is not None and older.height:
            current = pl.concat([current, older.select(current.columns)]).head(
                max(MAX_CACHED_ROWS, keys.height)
            )
        write_parquet(path, current, compression="lz4")  # keys are random bits: lz4 is 25% faster than zstd
        write_json(examples_path, examples)
    elif examples_path.is_file():
        with contextlib.suppress(OSError, ValueError):  # examples are a nicety; a bad file means none
            examples = json.loads(examples_path.read_text(encoding="utf-8"))
    changed = mapped_values.is_not_null()
    if result is None:  # rows from the cache: the mapped frame is rebuilt from the mapped texts
        result = frame.with_columns(
            [
                pl.when(pl.lit(changed))
                .then(pl.lit(mapped_values).struct.field(name))
                .otherwise(pl.col(name))
                .alias(name)
                for name in TEXT_FIELDS
            ]
        )
        # `original` holds the text before mapping, so it is built from the input frame
        result = result.with_columns(
            frame.select(pl.when(pl.lit(changed)).then(pl.struct(list(TEXT_FIELDS))).alias("original"))
        )
    # The mapped rows' keys are the raw rows' keys except where a mapper changed the text: hand them on
    # to the checks stage's metric cache (row_keys of the whole frame again cost ~0.5 CPU-s per 1M rows).
    changed_rows = changed.arg_true()
    mapped_keys = keys
    if len(changed_rows):
        mapped_keys = keys.with_columns(
            [
                keys[name].clone().scatter(changed_rows, fresh_keys[name])
                for fresh_keys in [row_keys(result.select(content_columns(result))[changed_rows])]
                for name in ("k1", "k2")
            ]
        )
    hand_on_keys(result, mapped_keys)
    stats = {
        "steps": [
            {
                "mapper": step.mapper,
                "params": dict(step.params),
                "rows_changed": int(((bits.fill_null(0) // (1 << i)) % 2).sum()),
                "examples": examples[i] if i < len(examples) else [],
            }
            for i, step in enumerate(config.steps)
        ],
        "rows_changed": int(changed.sum()),
        "rows": frame.height,
        "cache": {"rows_from_cache": frame.height - computed_rows, "rows_mapped": computed_rows},
    }
    return result, stats
