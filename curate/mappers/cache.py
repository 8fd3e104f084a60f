"""The mapper cache: re-running a rule file whose mappers did not change re-maps nothing.

Keyed by the raw row content (`winnow.curation.cache.row_keys`, before any mapper) and the mapper steps with
their params. Two files per set of steps, rows in the order of the run that wrote them, then older rows:

    mappers/<blake2b of steps>.<token>.rows.parquet     k1, k2, steps: every row (steps: bitmask of the
                                                        steps that changed it, 0 for most rows)
    mappers/<blake2b of steps>.<token>.changed.parquet  row (position in the file above), the text fields
                                                        after mapping, m1, m2 (the mapped row's key):
                                                        changed rows only

`mappers/<blake2b of steps>.current` names the token of the pair written last (written after both, so a
run stopped halfway never pairs files of two runs), and a .json holds the before/after examples of the
run that mapped the rows. A re-run reads the changed rows' text (a few percent of the rows) and puts it
back in place (winnow.curation.mappers.patch); rows not in the cache are mapped as usual and added. The mapped
rows' keys are handed on to the checks' metric cache, which would otherwise hash every row again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from winnow.curation.atomic import atomic_open, write_json, write_parquet
from winnow.curation.cache import CACHE_FORMAT, MAX_CACHED_ROWS, content_columns, hand_on_keys, row_keys
from winnow.curation.chunks import aligned
from winnow.curation.mappers.patch import replace_rows

if TYPE_CHECKING:
    from winnow.curation.mappers.section import MappersConfig

MAX_STEPS = 31  # the per-row bitmask is a UInt32
KEYS = ["k1", "k2"]
MAPPED_KEYS = ["m1", "m2"]


def steps_identity(config: MappersConfig) -> str:
    payload = json.dumps([CACHE_FORMAT, pl.__version__, config.to_raw()], sort_keys=True, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


def _files(base: Path, token: str) -> tuple[Path, Path]:
    return base.with_name(f"{base.name}.{token}.rows.parquet"), base.with_name(
        f"{base.name}.{token}.changed.parquet"
    )


def _read(base: Path) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """(every row's keys and steps, the changed rows), or None: a missing or damaged cache is a cold one."""
    try:
        token = base.with_suffix(".current").read_text(encoding="utf-8").strip()
        rows_path, changed_path = _files(base, token)
        return pl.read_parquet(rows_path, glob=False), pl.read_parquet(changed_path, glob=False)
    except Exception:
        return None


def _known(cached: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """Per row of `keys`: `steps` and `position` in the cache (both null when the row is not cached)."""
    if cached.height >= keys.height and cached.head(keys.height).select(KEYS).equals(keys):
        return cached.head(keys.height).select(
            "steps", pl.int_range(keys.height, dtype=pl.UInt32).alias("position")
        )
    return keys.join(
        cached.with_row_index("position").unique(KEYS, keep="first"),
        on=KEYS,
        how="left",
        maintain_order="left",
    ).select("steps", "position")


def _cached_changes(known: pl.DataFrame, changed: pl.DataFrame) -> pl.DataFrame:
    """The cached changed rows among `known`'s rows: `row` (position in `known`), text fields, m1, m2."""
    hit_rows = known.with_row_index("current").filter(pl.col("steps") > 0).select("current", "position")
    return (
        hit_rows.join(changed, left_on="position", right_on="row", how="inner", maintain_order="left")
        .drop("position")
        .rename({"current": "row"})
    )


def _fresh_changes(
    mapped: pl.DataFrame, bits: pl.Series, rows: pl.Series | None, fields: tuple[str, ...]
) -> pl.DataFrame:
    """The changed rows of freshly `mapped` rows (the frame's `rows`; None: every row), in the cache's
    layout (`row`, text fields, m1, m2)."""
    changed = (bits > 0).alias("changed")
    positions = changed.arg_true() if rows is None else rows.filter(changed)
    subset = mapped.filter(changed)
    mapped_keys = row_keys(subset.select(content_columns(subset))).rename({"k1": "m1", "k2": "m2"})
    return pl.concat(
        [positions.cast(pl.UInt32).alias("row").to_frame(), subset.select(fields), mapped_keys],
        how="horizontal",
    )


def apply_mappers_cached(
    frame: pl.DataFrame, config: MappersConfig, cache_dir: Path
) -> tuple[pl.DataFrame, dict[str, Any]]:
    from winnow.curation.mappers.stage import TEXT_FIELDS, map_rows

    if len(config.steps) > MAX_STEPS:
        mapped, stats, _bits = map_rows(frame, config)
        return mapped, stats
    base = cache_dir / "mappers" / steps_identity(config)
    examples_path = base.with_suffix(".json")
    cached = _read(base)
    premapped = None
    if cached is None:
        # Nothing cached: every row is mapped. Hash the rows meanwhile (both run inside Polars, without
        # the GIL, and one alone keeps ~1.5 of the cores busy).
        with ThreadPoolExecutor(max_workers=1) as pool:
            hashing = pool.submit(row_keys, frame)
            premapped = map_rows(frame, config)
            keys = hashing.result()
        known = pl.DataFrame({"steps": pl.repeat(None, keys.height, dtype=pl.UInt32, eager=True)})
        changes = pl.DataFrame(
            schema={
                "row": pl.UInt32,
                **{f: frame.schema[f] for f in TEXT_FIELDS},
                "m1": pl.UInt64,
                "m2": pl.UInt64,
            }
        )
    else:
        keys = row_keys(frame)
        known = _known(cached[0], keys)
        changes = _cached_changes(known, cached[1])
    bits = known["steps"]
    examples: list[list[dict[str, str]]] = [[] for _ in config.steps]
    missing = bits.is_null()
    computed_rows = int(missing.sum())
    result: pl.DataFrame | None = None  # the mapped frame, when map_rows made it for every row
    if computed_rows:
        every_row = computed_rows == frame.height  # cold cache: no gather, no merge
        rows = None if every_row else missing.arg_true()
        fresh, fresh_stats, fresh_bits = premapped or map_rows(frame if rows is None else frame[rows], config)
        examples = [step["examples"] for step in fresh_stats["steps"]]
        new_changes = _fresh_changes(fresh, fresh_bits, rows, TEXT_FIELDS)
        if rows is None:
            bits, changes, result = fresh_bits, new_changes, fresh
        else:
            bits = bits.scatter(rows, fresh_bits)
            changes = pl.concat([changes, new_changes]).sort("row")
        _store(base, keys, bits, changes, cached)
        write_json(examples_path, examples)
    elif examples_path.is_file():
        with contextlib.suppress(OSError, ValueError):  # examples are a nicety; a bad file means none
            examples = json.loads(examples_path.read_text(encoding="utf-8"))
    changed_rows = changes["row"]
    if result is None:  # rows from the cache: their mapped text goes back in place
        result, original = replace_rows(frame, changed_rows, changes.select(TEXT_FIELDS))
        result = result.with_columns(original)
    # The mapped rows' keys are the raw rows' keys except where a mapper changed the text: hand them on
    # to the checks stage's metric cache (row_keys of the whole frame again cost ~0.15 s per 1M rows).
    mapped_keys = keys.with_columns(
        keys[name].scatter(changed_rows, changes[mapped])
        for name, mapped in zip(KEYS, MAPPED_KEYS, strict=True)
    )
    result = aligned(result)  # before the hand-off: aligning later would make another frame object
    hand_on_keys(result, mapped_keys)
    stats = {
        "steps": [
            {
                "mapper": step.mapper,
                "params": dict(step.params),
                "rows_changed": int(((bits // (1 << i)) % 2).sum()),
                "examples": examples[i] if i < len(examples) else [],
            }
            for i, step in enumerate(config.steps)
        ],
        "rows_changed": len(changed_rows),
        "rows": frame.height,
        "cache": {"rows_from_cache": frame.height - computed_rows, "rows_mapped": computed_rows},
    }
    return result, stats


def _store(
    base: Path,
    keys: pl.DataFrame,
    bits: pl.Series,
    changes: pl.DataFrame,
    cached: tuple[pl.DataFrame, pl.DataFrame] | None,
) -> None:
    """This run's rows first, then the cached rows of other keys (up to MAX_CACHED_ROWS in all)."""
    current = keys.with_columns(bits.alias("steps"))
    if cached is not None:
        older_rows, older_changes = cached
        room = max(MAX_CACHED_ROWS, keys.height) - keys.height
        older = (
            older_rows.with_row_index("old")
            .join(keys, on=KEYS, how="anti", maintain_order="left")
            .head(room)
            .with_row_index("new", offset=keys.height)
        )
        if older.height:
            moved = older.select("old", "new").join(
                older_changes, left_on="old", right_on="row", how="inner", maintain_order="left"
            )
            current = pl.concat([current, older.select(current.columns)])
            changes = pl.concat([changes, moved.drop("old").rename({"new": "row"}).select(changes.columns)])
    token = uuid.uuid4().hex
    rows_path, changed_path = _files(base, token)
    # keys are random bits: lz4 is 25% faster than zstd on them
    write_parquet(rows_path, current, compression="lz4")
    write_parquet(changed_path, changes, compression="lz4")
    with atomic_open(base.with_suffix(".current")) as handle:
        handle.write(token)
    for stale in base.parent.glob(f"{base.name}.*.parquet"):  # older pairs (and any a stopped run left)
        if token not in stale.name:
            stale.unlink(missing_ok=True)
