"""Merge the statistics that each block's row-local stages wrote into the corpus-wide ones.

    merged = merge_partials([block_1_stats, block_2_stats, ...])   # in input order

A stage's statistics are counts over its rows, so blocks add up: numbers are summed, mappings merged key by
key, lists of entries (rules, mapper steps) merged entry by entry. What does not add up is named here:

    SETTINGS            what a rule or step is (its name, params, threshold, ...): the same in every block

    examples            the first EXAMPLES_PER_STEP, in input order (as the local engine picks them)
    metrics_from_cache  a metric is from the cache when it was in every block
    other text          the same in every block stays; different values become "mixed" (e.g. stage_cache)

Counters of the work done (language detector texts, unique texts, cache hits) depend on how rows fall into
blocks: they add up as work, not as a property of the corpus (tests name them: WORK_COUNTERS).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from winnow.curation.mappers.stage import EXAMPLES_PER_STEP

# statistics that count work done per block (differing from one local pass, where a text seen in two blocks
# is detected once): reported summed, compared with the local engine only by the tests that know this
WORK_COUNTERS = ("detector", "cache", "stage_cache", "seconds")
SETTINGS = frozenset(
    {"name", "check", "stage", "field", "params", "threshold", "direction", "metric_column", "action"}
    | {"mapper", "version", "candidates", "directory"}
)


def merge_partials(partials: Iterable[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for partial in partials:
        merged = _merge(merged, partial, "")
    return merged


def _merge(a: Any, b: Any, key: str) -> Any:
    if key in SETTINGS:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for name, value in b.items():
            out[name] = _merge(a[name], value, name) if name in a else value
        return out
    if isinstance(a, list) and isinstance(b, list):
        return _merge_lists(a, b, key)
    if isinstance(a, bool) or isinstance(b, bool):
        return a if a == b else (a or b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a + b
    if a == b:
        return a
    if a is None or b is None:
        return b if a is None else a
    return "mixed"


def _merge_lists(a: list[Any], b: list[Any], key: str) -> list[Any]:
    if key == "examples":
        return (a + b)[:EXAMPLES_PER_STEP]
    if key == "metrics_from_cache":
        return [name for name in a if name in b]
    if len(a) == len(b) and all(isinstance(x, dict) for x in a + b):
        return [_merge(x, y, "") for x, y in zip(a, b, strict=True)]
    return a if a == b else a + [x for x in b if x not in a]
