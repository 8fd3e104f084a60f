"""Candidate pairs from LSH buckets: documents sharing a band key in any band.

A bucket of up to `max_bucket_pairs` documents gives all its pairs (so verification can judge each one).
A larger bucket (many copies of one boilerplate text) gives a star from its first document plus a chain
through the rest: O(k) edges instead of O(k^2), still connecting the whole bucket when the members are
similar to each other, which is what a big bucket almost always means.

`all_bucket_pairs` gives every pair of every bucket instead (what datasketch's `MinHashLSH.query` returns
for each document): quadratic in the bucket size, so it is used only when every near-duplicate pair is
to be reported (`near.report_pairs`).

Pairs are built in numpy as codes a << 32 | b (a < b): one sort per band finds the buckets; the pairs
that several bands share are removed by sorting all bands' codes together, a range of first docs at a
time (bounded memory when there are tens of millions).
"""

from __future__ import annotations

import sys

import numpy as np
import polars as pl

from winnow.curation.dedup.verify import ranges
from winnow.curation.kernels.threads import thread_map

_EDGE_SCHEMA = {"a": pl.UInt32, "b": pl.UInt32}
_SHIFT = np.uint64(32)


def band_pair_codes(doc: np.ndarray, key: np.ndarray, max_bucket_pairs: int | None) -> np.ndarray:
    """Codes a << 32 | b (a < b) of the candidate pairs of one band: docs with equal keys are a bucket;
    all its pairs, or a star + chain when it holds more than `max_bucket_pairs` docs (None: no limit)."""
    order = np.lexsort((doc, key))  # by bucket, then doc: each bucket's members ascending
    key, doc = key[order], doc[order].astype(np.uint64)
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    sizes = np.diff(np.append(starts, len(key)))
    position = np.arange(len(key), dtype=np.int64)
    bucket_size = np.repeat(sizes, sizes)
    # each member of a bucket that gives all its pairs pairs with the members after it
    later = np.repeat(starts + sizes, sizes) - position - 1
    if max_bucket_pairs is not None:
        later[bucket_size > max_bucket_pairs] = 0
    firsts = [np.repeat(doc, later)]
    seconds = [doc[ranges(position + 1, later)]]
    if max_bucket_pairs is not None:
        big = sizes > max_bucket_pairs
        big_starts, big_sizes = starts[big], sizes[big]
        firsts.append(np.repeat(doc[big_starts], big_sizes - 1))  # star from the first member
        seconds.append(doc[ranges(big_starts + 1, big_sizes - 1)])
        chain = ranges(big_starts + 1, big_sizes - 2)  # second member -> third -> ... -> last
        firsts.append(doc[chain])
        seconds.append(doc[chain + 1])
    return (np.concatenate(firsts) << _SHIFT) | np.concatenate(seconds)


def distinct_codes(codes: list[np.ndarray], parts: int) -> np.ndarray:
    """Sorted distinct codes of several sorted arrays, merged a range of first docs at a time, so that
    only about 1/parts of them is copied and sorted at once (tens of millions with report_pairs)."""
    return counted_codes(codes, parts)[0]


def counted_codes(codes: list[np.ndarray], parts: int) -> tuple[np.ndarray, np.ndarray]:
    """`distinct_codes` and how many of the arrays hold each code (each array holds a code once: the bands
    whose buckets give the pair, which winnow.curation.dedup.snapshot keeps to update candidates)."""
    codes = [c for c in codes if len(c)]
    if not codes:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    docs = int(max(c[-1] for c in codes) >> _SHIFT) + 1  # first docs are below this
    starts = [np.uint64((docs * k // parts) << 32) for k in range(parts)]

    def merged(k: int) -> tuple[np.ndarray, np.ndarray]:
        part = []
        for c in codes:
            stop = len(c) if k == parts - 1 else int(np.searchsorted(c, starts[k + 1]))
            part.append(c[int(np.searchsorted(c, starts[k])) : stop])
        return runs(np.sort(np.concatenate(part)))

    out, counts = zip(*thread_map(merged, range(parts)), strict=True)
    return np.concatenate(out), np.concatenate(counts)


def runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how many times each occurs."""
    if len(ordered) == 0:
        return ordered, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def band_codes(band_keys: list[np.ndarray], max_bucket_pairs: int | None) -> list[np.ndarray]:
    """Each band's sorted candidate codes, given each band's keys of docs 0..n-1 (one array per band)."""

    def codes(keys: np.ndarray) -> np.ndarray:
        band = band_pair_codes(np.arange(len(keys), dtype=np.uint32), keys, max_bucket_pairs)
        band.sort()
        return band

    return thread_map(codes, [keys for keys in band_keys if len(keys) > 1])


def merge_parts(codes: list[np.ndarray]) -> int:
    """Ranges `counted_codes` merges in: ~4M codes each."""
    return max(1, min(16, sum(len(c) for c in codes) // 4_000_000))


def split_codes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) as uint32 of codes a << 32 | b: views of the codes' two halves where the machine is
    little-endian (no copy of tens of millions of codes), else computed."""
    if sys.byteorder == "little" and codes.dtype == np.uint64 and codes.flags.c_contiguous:
        halves = codes.view(np.uint32)
        return halves[1::2], halves[0::2]
    return (codes >> _SHIFT).astype(np.uint32), (codes & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def candidate_pairs(
    bands: pl.LazyFrame, n_bands: int, max_bucket_pairs: int | None, groups: np.ndarray | None = None
) -> pl.DataFrame:
    """Distinct (a, b) candidate pairs with a < b, sorted. `groups` keeps only pairs across groups."""
    codes = []
    for i in range(n_bands):
        frame = bands.select("doc", f"b{i}").collect()
        if frame.height > 1:
            band = band_pair_codes(frame["doc"].to_numpy(), frame[f"b{i}"].to_numpy(), max_bucket_pairs)
            band.sort()
            codes.append(band)
    unique = distinct_codes(codes, parts=merge_parts(codes))
    del codes
    a, b = split_codes(unique)
    del unique
    if groups is not None:
        across = groups[a] != groups[b]
        a, b = a[across], b[across]
    return pl.DataFrame({"a": a, "b": b}, schema=_EDGE_SCHEMA)


def all_bucket_pairs(bands: pl.LazyFrame, n_bands: int, groups: np.ndarray | None = None) -> pl.DataFrame:
    """Every distinct pair sharing a bucket in any band (no star + chain), sorted."""
    return candidate_pairs(bands, n_bands, None, groups)
