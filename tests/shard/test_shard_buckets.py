"""Bucket boundaries and the padding-efficiency estimate."""

from __future__ import annotations

import pytest

from winnow.curation.shard.buckets import (
    _pack,
    auto_boundaries,
    bucket_index,
    fit_boundaries,
    padding_efficiency,
)


def test_auto_boundaries_round_quantiles() -> None:
    lengths = list(range(1, 1001))  # deciles 100..900, then 950, 990, 1000
    assert auto_boundaries(lengths, 4096) == [104, 224, 320, 416, 512, 640, 704, 832, 960, 1024]
    assert auto_boundaries(lengths, 800) == [104, 224, 320, 416, 512, 640, 704, 800]
    assert auto_boundaries([3, 5, 9, 60], 2048) == [8, 16, 64]  # multiples of 8 up to 128 tokens
    assert auto_boundaries([], 2048) == [2048]


def test_fit_and_index() -> None:
    assert fit_boundaries([128, 256], 1024) == [128, 256, 1024]
    assert fit_boundaries([128, 4096], 1024) == [128, 1024]
    bounds = [128, 256]
    assert [bucket_index(n, bounds) for n in (1, 128, 129, 256)] == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="above the last bucket"):
        bucket_index(257, bounds)


def test_pack_greedy_to_budget() -> None:
    # budget 100: [10, 40] -> 2x40=80; adding 30 -> 3x40=120 > 100: new batch [30, 20] -> 60
    assert _pack([10, 40, 30, 20], 100) == (2, 140)


def test_bucketed_beats_random() -> None:
    lengths = [10] * 50 + [500] * 50
    result = padding_efficiency(lengths, [16, 512], budget=1024, seed=0)
    assert result["real_tokens"] == 25_500
    # bucketed: 50 rows of 10 in one batch, 50 of 500 two per batch; random order mixes them
    assert result["bucketed"] == {"efficiency": 1.0, "batches": 26}
    assert result["random"] == {"efficiency": 0.6844, "batches": 46}
