"""Exact Jaccard of document pairs over their shingle sets (64-bit shingle hashes).

Used to remove LSH false positives and to explain every dropped row with its similarity to the kept one.
Each document's shingle hashes become a sorted set once (`DocSets`, one compiled pass); a pair's
intersection is a merge of its two sets (compiled), for a batch of pairs at once. (A 0/1 sparse matrix of
globally ranked ids did the same with ~5 arrays of every shingle alive at once: the cold run's peak.) Shingle hashes come from signing (`ShingleHashes`), so nothing is
shingled twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from winnow.curation.dedup.shingles import ShingleSpec
from winnow.curation.dedup.signing import shingle_hashes
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.threads import thread_map

HashSource = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # sorted docs -> (hashes, offsets)
_SPLIT_DOCS = 20_000  # set tables of this many documents or more are built on two threads
_SPLIT_PAIRS = 20_000  # pieces of at least this many pairs are measured on two threads


@compiled
def _gather_ranges(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray, out: np.ndarray) -> None:
    at = 0
    for i in range(len(starts)):
        out[at : at + lengths[i]] = values[starts[i] : starts[i] + lengths[i]]
        at += lengths[i]


def gather_ranges(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """values[ranges(starts, lengths)] of uint64 values, copied run by run (compiled): no index array of
    every value (at 1M documents the bulk set table gathered ~90M hashes through three 720 MB arrays)."""
    out = np.empty(int(lengths.sum()), dtype=np.uint64)
    _gather_ranges(
        np.ascontiguousarray(values, dtype=np.uint64),
        np.ascontiguousarray(starts, dtype=np.int64),
        np.ascontiguousarray(lengths, dtype=np.int64),
        out,
    )
    return out


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(starts[i], starts[i] + lengths[i]) for every i, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shifts = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total, dtype=np.int64) + shifts


@dataclass
class ShingleHashes:
    """Shingle hashes of some documents: docs (sorted global ids), hashes, offsets (CSR)."""

    docs: np.ndarray
    hashes: np.ndarray
    offsets: np.ndarray

    def __call__(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = search_sorted(self.docs, docs)
        if len(docs) and (pos.max() >= len(self.docs) or not np.array_equal(self.docs[pos], docs)):
            raise KeyError("shingle hashes asked for documents that were not kept")
        sizes = np.diff(self.offsets)[pos]
        out = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(sizes, out=out[1:])
        return gather_ranges(self.hashes, self.offsets[pos], sizes), out

    @classmethod
    def of_texts(cls, texts: pl.Series, spec: ShingleSpec, is_cjk: pl.Series | None = None) -> ShingleHashes:
        hashes, offsets = shingle_hashes(texts, spec, is_cjk)
        return cls(np.arange(len(texts), dtype=np.int64), hashes, offsets)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values. numpy 2's `np.unique` hashes large integer arrays first, which measured
    ~10x slower here than a plain sort."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def search_sorted(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """np.searchsorted(haystack, needles) (left), the needles searched in ascending order: numpy searches
    each needle from scratch, so unordered needles in a large haystack miss the cache at nearly every step
    (500k member pairs among 12M candidate codes at 1M rows: 0.75 s unordered, 0.12 s ordered first)."""
    if len(needles) < 2 or bool(np.all(needles[1:] >= needles[:-1])):
        return np.searchsorted(haystack, needles)
    order = np.argsort(needles, kind="stable")
    out = np.empty(len(needles), dtype=np.intp)
    out[order] = np.searchsorted(haystack, needles[order])
    return out


@compiled
def _sets(hashes: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each document's distinct hashes, sorted, concatenated; offsets) from raw shingle hashes: one sort
    per document, in place of a global dense ranking (which held ~5 arrays of every shingle at once)."""
    n = len(offsets) - 1
    out = np.empty(len(hashes), dtype=np.uint64)
    set_offsets = np.zeros(n + 1, dtype=np.int64)
    written = 0
    for d in range(n):
        ordered = np.sort(hashes[offsets[d] : offsets[d + 1]])
        for i in range(len(ordered)):
            if i == 0 or ordered[i] != ordered[i - 1]:
                out[written] = ordered[i]
                written += 1
        set_offsets[d + 1] = written
    return out[:written].copy(), set_offsets


@compiled
def _intersections(values: np.ndarray, offsets: np.ndarray, la: np.ndarray, lb: np.ndarray) -> np.ndarray:
    """|A∩B| of the sorted distinct sets of documents la[k] and lb[k] (positions), by merging them."""
    out = np.zeros(len(la), dtype=np.int64)
    for k in range(len(la)):
        i, i_end = offsets[la[k]], offsets[la[k] + 1]
        j, j_end = offsets[lb[k]], offsets[lb[k] + 1]
        common = 0
        while i < i_end and j < j_end:
            if values[i] < values[j]:
                i += 1
            elif values[i] > values[j]:
                j += 1
            else:
                common += 1
                i += 1
                j += 1
        out[k] = common
    return out


@dataclass
class DocSets:
    """Shingle sets (each document's distinct 64-bit shingle hashes, sorted) of some documents, built once
    and asked many times."""

    docs: np.ndarray  # sorted global doc ids
    values: np.ndarray
    offsets: np.ndarray

    @classmethod
    def build(cls, source: HashSource, docs: np.ndarray) -> DocSets:
        docs = sorted_unique(np.asarray(docs, dtype=np.int64))
        hashes, offsets = source(docs)
        hashes, offsets = np.ascontiguousarray(hashes, dtype=np.uint64), offsets.astype(np.int64)
        if len(docs) < _SPLIT_DOCS:
            return cls(docs, *_sets(hashes, offsets))

        # two halves of the documents sorted on two threads (the kernel runs without the GIL)
        def sets_of(span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
            lo, hi = span
            return _sets(hashes[offsets[lo] : offsets[hi]], offsets[lo : hi + 1] - offsets[lo])

        middle = len(docs) // 2
        (first, first_offsets), (second, second_offsets) = thread_map(
            sets_of, [(0, middle), (middle, len(docs))]
        )
        values = np.concatenate([first, second])
        set_offsets = np.concatenate([first_offsets, second_offsets[1:] + first_offsets[-1]])
        return cls(docs, values, set_offsets)

    def jaccard(self, a: np.ndarray, b: np.ndarray, batch_pairs: int = 200_000) -> np.ndarray:
        """Jaccard of docs a[i] and b[i] (global ids, all in `docs`); 0.0 when both sets are empty."""
        return self.similarity(a, b, "jaccard", batch_pairs)

    def similarity(
        self, a: np.ndarray, b: np.ndarray, measure: str = "jaccard", batch_pairs: int = 200_000
    ) -> np.ndarray:
        """|A∩B| / |A∪B| (jaccard) or |A∩B| / min(|A|, |B|) (containment) of docs a[i] and b[i];
        0.0 when the denominator is 0."""
        if measure not in ("jaccard", "containment"):
            raise ValueError(f"unknown similarity measure {measure!r}; known: jaccard, containment")
        out = np.zeros(len(a), dtype=np.float64)
        sizes = np.diff(self.offsets)
        step = min(batch_pairs, max(_SPLIT_PAIRS, -(-len(a) // 2)))  # two pieces or more: one per thread

        def measure_from(start: int) -> None:
            la = search_sorted(self.docs, a[start : start + step])
            lb = search_sorted(self.docs, b[start : start + step])
            inter = _intersections(self.values, self.offsets, la, lb).astype(np.float64)
            if measure == "containment":
                below = np.minimum(sizes[la], sizes[lb]).astype(np.float64)
            else:
                below = sizes[la] + sizes[lb] - inter
            out[start : start + len(la)] = np.divide(inter, below, out=np.zeros_like(inter), where=below > 0)

        thread_map(measure_from, range(0, len(a), step))
        return out


def pair_jaccard(
    source: HashSource,
    a: np.ndarray,
    b: np.ndarray,
    *,
    batch_pairs: int = 200_000,
    progress: Callable[[int, int], None] | None = None,
    measure: str = "jaccard",
) -> np.ndarray:
    """Jaccard (or containment, see `DocSets.similarity`) of shingles(a[i]) and shingles(b[i]) for every i
    (0.0 when both are empty)."""
    if len(a) == 0:
        return np.zeros(0, dtype=np.float64)
    sets = DocSets.build(source, np.concatenate([a, b]))
    out = np.zeros(len(a), dtype=np.float64)
    for start in range(0, len(a), batch_pairs):
        stop = start + batch_pairs
        out[start:stop] = sets.similarity(a[start:stop], b[start:stop], measure, batch_pairs)
        if progress is not None:
            progress(min(stop, len(a)), len(a))
    return out
