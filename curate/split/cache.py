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

The output equals a cold run's in both cases (tests/split/test_split_cache.py, tests/test_stage_cache.py).
"""

from __future__ import annotations

import json
from typing import Any, Final

import polars as pl

from winnow.curation.split.section import SplitConfig
from winnow.curation.stage_cache import StageCache, StageOutput, code_digest, column_digest

WHOLE: Final = "split"
UNITS: Final = "split_units"
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
