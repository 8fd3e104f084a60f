"""Length buckets: their boundaries, and what bucketing buys a batcher (padding efficiency).

Bucket i holds the rows with boundaries[i-1] < length <= boundaries[i]. Automatic boundaries are quantiles of
the length distribution (every 10 %, then 95, 99 and 100 %) rounded up to a multiple of 8 (up to 128
tokens), 32 (up to 512) or 64 (above), so padded batches stay aligned for the GPU's matrix units; capped
at max_len. Narrow buckets where most rows are keep padding low.

Padding efficiency = real tokens / tokens in padded batches. Both batchers fill batches greedily up to the
same token budget (batch rows x longest row <= budget) and pad to the longest row in the batch; the random
batcher takes rows in a seeded random order, the bucketed one takes each bucket's rows in a seeded random
order, so only the grouping by length differs.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

AUTO_QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)


def _round_up(value: int) -> int:
    step = 8 if value <= 128 else 32 if value <= 512 else 64
    return -(-value // step) * step


def auto_boundaries(lengths: Sequence[int], max_len: int) -> list[int]:
    """Bucket upper bounds from the length distribution (always ends at a bound >= the longest row)."""
    if not lengths:
        return [max_len]
    points = np.quantile(np.asarray(lengths), AUTO_QUANTILES, method="higher")
    bounds = sorted({min(_round_up(int(p)), max_len) for p in points})
    return bounds


def fit_boundaries(configured: Sequence[int], max_len: int) -> list[int]:
    """Configured bounds, capped at max_len, with max_len added when they stop short of it."""
    bounds = sorted({min(b, max_len) for b in configured})
    if bounds[-1] < max_len:
        bounds.append(max_len)
    return bounds


def bucket_index(length: int, bounds: Sequence[int]) -> int:
    for i, bound in enumerate(bounds):
        if length <= bound:
            return i
    raise ValueError(f"length {length} is above the last bucket bound {bounds[-1]}")


def _pack(lengths: Sequence[int], budget: int) -> tuple[int, int]:
    """Greedy token-budget batches in the given order: (batches, padded tokens)."""
    batches = padded = 0
    rows = longest = 0
    for length in lengths:
        if rows and (rows + 1) * max(longest, length) > budget:
            batches += 1
            padded += rows * longest
            rows = longest = 0
        rows += 1
        longest = max(longest, length)
    if rows:
        batches += 1
        padded += rows * longest
    return batches, padded


def padding_efficiency(
    lengths: Sequence[int], bounds: Sequence[int], budget: int, seed: int
) -> dict[str, Any]:
    """Efficiency and batch count of bucketed vs random-order pad-to-longest batches at one token budget."""
    total = int(sum(lengths))
    rng = random.Random(seed)
    shuffled = list(lengths)
    rng.shuffle(shuffled)
    random_batches, random_padded = _pack(shuffled, budget)
    per_bucket: list[list[int]] = [[] for _ in bounds]
    for length in shuffled:
        per_bucket[bucket_index(length, bounds)].append(length)
    bucket_batches = bucket_padded = 0
    for group in per_bucket:
        b, p = _pack(group, budget)
        bucket_batches += b
        bucket_padded += p
    return {
        "token_budget": budget,
        "real_tokens": total,
        "bucketed": {
            "efficiency": round(total / bucket_padded, 4) if bucket_padded else 1.0,
            "batches": bucket_batches,
        },
        "random": {
            "efficiency": round(total / random_padded, 4) if random_padded else 1.0,
            "batches": random_batches,
        },
    }
