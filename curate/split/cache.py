"""The split stage's entries in the stage cache (winnow.curation.stage_cache): a re-run reuses what the change
cannot reach (issue 24).

Two entries, each keyed by exactly what it depends on:

    split        the `split` column of every row and the stage's stats. Key: the rows' content, which rows
                 are kept (drop_reason null), id, dup_cluster and the stratum columns' values (task,
                 lang.<field>, source: absent ones named absent), the whole split section, the split code. A
                 re-run whose change leaves all of these as they were (a flag rule, the language rule's
                 purity, nothing) reads the stage back. Never with `previous:` (its file is outside the key).
    split_units  per kept row its normalized prompt, unit key and unit position (the normalization of every
                 prompt, the link propagation and the blake2b of every unit: ~half of the stage). Key: the
                 content, the kept rows, id, dup_cluster, the seed and the keep_* switches. A re-run that
                 changes only the fractions, method, stratification or `previous` assigns from them again.

    split_prompts the normalized prompt (units.prompt_keys) of every row it was computed for, by the row's
                 position. Key: the content alone (a prompt is a function of its row). A re-run whose kept
                 rows changed (a drop rule: split_units misses) normalizes only the rows it lacks (~0.5 s of
                 normalizing 470k prompts at 1M rows), and stores them with the others.

The output equals a cold run's in every case (tests/split/test_split_cache.py, tests/test_stage_cache.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

import polars as pl

from winnow.curation.split.section import SplitConfig
from winnow.curation.stage_cache import StageCache, StageOutput, code_digest, column_digest

WHOLE: Final = "split"
UNITS: Final = "split_units"
PROMPTS: Final = "split_prompts"
# the code a cached split is a function of: the split package and the prompt normalization it borrows
CODE: Final = (
    "split",
    "dedup/normalize.py",
    "dedup/normalize_kernel.py",
    "kernels/unicode_fold.py",
    "kernels/blake2b.py",
    "record.py",
)


def _kept_digest(frame: pl.DataFrame) -> str:
    if "drop_reason" not in frame.columns:
        return "all kept"
    return column_digest(frame.select(pl.col("drop_reason").is_null().alias("kept")), ["kept"])


class SplitCache:
    """The split stage's two cache entries for one frame and split section (no cache folder: none)."""

    def __init__(self, cache: StageCache, frame: pl.DataFrame, config: SplitConfig, content: str) -> None:
        self.cache = cache
        self.config = config
        if cache.root is None or not frame.height:
            self.units_key = self.whole_key = None
            return
        shared = {
            "content": content,
            "kept": _kept_digest(frame),
            "links": column_digest(frame, ["id", "dup_cluster"]),
            "code": code_digest(*CODE),
        }
        placement = (config.seed, config.keep_prompts_together, config.keep_clusters_together)
        self.units_key = StageCache.key(UNITS, **shared, placement=repr(placement))
        strata = ["task", f"lang.{config.language_field}", "source"]
        self.whole_key = (
            None
            if config.previous is not None
            else StageCache.key(WHOLE, **shared, strata=column_digest(frame, strata), settings=repr(config))
        )

    def load_whole(self) -> tuple[pl.Series, dict[str, Any]] | None:
        """The cached `split` column and stats, or None."""
        hit = self.cache.load(WHOLE, self.whole_key) if self.whole_key else None
        if hit is None or not isinstance(hit.stats.get("stats"), dict) or "split" not in hit.columns.columns:
            return None
        return hit.columns.get_column("split"), hit.stats["stats"]

    def load_units(self) -> pl.DataFrame | None:
        hit = self.cache.load(UNITS, self.units_key) if self.units_key else None
        return None if hit is None else hit.columns

    def save(
        self, split: pl.Series, stats: dict[str, Any], units: pl.DataFrame, *, units_known: bool
    ) -> dict[str, Any]:
        """Store what a split computed; its stats as stats.json reads them back (also returned)."""
        stats = json.loads(json.dumps(stats, default=str))  # as write_json writes it
        if self.units_key and not units_known:
            self.cache.save(UNITS, self.units_key, StageOutput(units))
        if self.whole_key:
            self.cache.save(WHOLE, self.whole_key, StageOutput(split.to_frame(), {"stats": stats}))
        return stats


def cached_prompt_keys(
    cache: StageCache, content: str, rows: pl.Series, compute: Callable[[pl.Series], pl.Series]
) -> pl.Series:
    """The normalized prompt of the frame rows at positions `rows` (ascending): `compute(positions)` (ascending
    too) for the rows the split_prompts entry of this content lacks (all of them without a cache folder), the
    rest from the entry, which is stored again with the new ones when there were any."""
    if cache.root is None or not content:
        return compute(rows)
    key = StageCache.key(PROMPTS, content=content, code=code_digest(*CODE))
    hit = cache.load(PROMPTS, key)
    known = hit.columns if hit is not None and set(hit.columns.columns) == {"row", "prompt"} else None
    asked = rows.rename("row").cast(pl.UInt32).to_frame()
    missing = asked if known is None else asked.join(known.select("row"), on="row", how="anti").sort("row")
    if known is not None and missing.height == 0:
        table = known
    else:
        fresh = missing.with_columns(compute(missing.get_column("row")).alias("prompt"))
        table = fresh if known is None else pl.concat([known, fresh])
        cache.save(PROMPTS, key, StageOutput(table.sort("row")))
    return asked.join(table, on="row", how="left", maintain_order="left").get_column("prompt")
