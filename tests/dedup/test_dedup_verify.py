"""Helpers of exact verification (winnow.curation.dedup.verify): sorted searches and distinct values."""

from __future__ import annotations

import numpy as np

from winnow.curation.dedup.verify import search_sorted, sorted_unique


def test_search_sorted_equals_numpy_for_ordered_and_unordered_needles() -> None:
    rng = np.random.default_rng(11)
    haystack = np.sort(rng.choice(10_000, 3_000, replace=False)).astype(np.uint64)
    for needles in (
        rng.integers(0, 10_001, 5_000).astype(np.uint64),  # unordered, with misses and repeats
        np.sort(rng.integers(0, 10_001, 500)).astype(np.uint64),  # ordered: searched as given
        np.array([7], dtype=np.uint64),
        np.zeros(0, dtype=np.uint64),
    ):
        assert np.array_equal(search_sorted(haystack, needles), np.searchsorted(haystack, needles))
    assert search_sorted(np.array([2, 4, 6]), np.array([6, 1, 4, 7])).tolist() == [2, 0, 1, 3]


def test_sorted_unique() -> None:
    assert sorted_unique(np.array([5, 1, 5, 3, 1], dtype=np.uint64)).tolist() == [1, 3, 5]
    assert sorted_unique(np.zeros(0, dtype=np.int64)).tolist() == []
