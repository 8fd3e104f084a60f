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

from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.threads import thread_map

_EDGE_SCHEMA = {"a": pl.UInt32, "b": pl.UInt32}
_SHIFT = np.uint64(32)


def band_pair_codes(doc: np.ndarray, key: np.ndarray, max_bucket_pairs: int | None) -> np.ndarray:
    """Sorted codes a << 32 | b (a < b) of the candidate pairs of one band: docs (distinct) with equal keys
    are a bucket; all its pairs, or a star + chain when it holds more than `max_bucket_pairs` docs (None: no
    limit)."""
    order = np.lexsort((doc, key))  # by bucket, then doc: each bucket's members ascending
    if len(doc) < 2 or bool(np.all(doc[1:] > doc[:-1])):  # docs ascending: a doc's rank is its index
        visit = np.empty(len(order), dtype=np.int64)
        visit[order] = np.arange(len(order), dtype=np.int64)
    else:
        visit = np.argsort(doc[order], kind="stable")
    limit = -1 if max_bucket_pairs is None else max_bucket_pairs
    return _sorted_pair_codes(key[order], doc[order].astype(np.uint64), visit, limit)


@compiled
def _sorted_pair_codes(key: np.ndarray, doc: np.ndarray, visit: np.ndarray, limit: int) -> np.ndarray:
    """The pairs of each run of equal keys (docs ascending within it), in order: `visit` names the members
    in ascending doc order, and each member's pairs are those with the members after it (or, in a star +
    chain bucket, the first member's with all the others and each other one's with the next), so the codes
    come out sorted by a, then b, with nothing to sort (the numpy version built ~6 temporaries of every pair
    and sorted them: 91M pairs over 20 bands at 1M rows, ~0.85 s a band)."""
    n = len(key)
    start_of = np.empty(n, dtype=np.int64)
    stop_of = np.empty(n, dtype=np.int64)
    total = 0
    start = 0
    while start < n:
        stop = start + 1
        while stop < n and key[stop] == key[start]:
            stop += 1
        for member in range(start, stop):  # a loop: a slice fill compiles numba's broadcasting (~0.3 s)
            start_of[member] = start
            stop_of[member] = stop
        size = stop - start
        if limit < 0 or size <= limit:
            total += size * (size - 1) // 2
        elif size > 1:  # a star and a chain
            total += 2 * size - 3
        start = stop
    out = np.empty(total, dtype=np.uint64)
    shift = np.uint64(32)
    written = 0
    for at in visit:
        start, stop = start_of[at], stop_of[at]
        high = doc[at] << shift
        if limit < 0 or stop - start <= limit:  # every pair
            for other in range(at + 1, stop):
                out[written] = high | doc[other]
                written += 1
        elif at == start:  # the star
            for other in range(start + 1, stop):
                out[written] = high | doc[other]
                written += 1
        elif at + 1 < stop:  # a link of the chain
            out[written] = high | doc[at + 1]
            written += 1
    return out


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
        # stable: a merge of the sorted runs (one per band), ~3x faster than sorting them as if unordered
        return runs(np.sort(np.concatenate(part), kind="stable"))

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
        return band_pair_codes(np.arange(len(keys), dtype=np.uint32), keys, max_bucket_pairs)

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
            codes.append(
                band_pair_codes(frame["doc"].to_numpy(), frame[f"b{i}"].to_numpy(), max_bucket_pairs)
            )
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
