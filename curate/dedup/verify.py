"""Exact Jaccard of document pairs over their shingle sets (64-bit shingle hashes).

Used to remove LSH false positives and to explain every dropped row with its similarity to the kept one.
Vectorized: each document's shingles become sorted dense ids once (`DocSets`), the rows of a 0/1 sparse
matrix; a pair's intersection is the dot product of its two rows, computed for a batch of pairs at once
(scipy, a dependency of datasketch). Shingle hashes come from signing (`ShingleHashes`), so nothing is
shingled twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from winnow.curation.dedup.shingles import ShingleSpec
from winnow.curation.dedup.signing import shingle_hashes

HashSource = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # sorted docs -> (hashes, offsets)


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
        pos = np.searchsorted(self.docs, docs)
        if len(docs) and (pos.max() >= len(self.docs) or not np.array_equal(self.docs[pos], docs)):
            raise KeyError("shingle hashes asked for documents that were not kept")
        sizes = np.diff(self.offsets)[pos]
        out = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(sizes, out=out[1:])
        return self.hashes[ranges(self.offsets[pos], sizes)], out

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


def _sets(hashes: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique dense ids per document, concatenated; offsets) from raw shingle hashes."""
    n = len(offsets) - 1
    # dense rank (0-based) of each hash among the distinct hashes: Polars' sort-based rank measured ~10x
    # faster than np.searchsorted into the sorted distinct values on millions of hashes
    dense = pl.Series(hashes, dtype=pl.UInt64).rank("dense").to_numpy().astype(np.uint64) - np.uint64(1)
    doc = np.repeat(np.arange(n, dtype=np.uint64), np.diff(offsets))
    tagged = sorted_unique((doc << np.uint64(32)) | dense.astype(np.uint64))  # a set per doc, sorted
    set_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount((tagged >> np.uint64(32)).astype(np.int64), minlength=n), out=set_offsets[1:])
    return tagged & np.uint64(0xFFFFFFFF), set_offsets


@dataclass
class DocSets:
    """Shingle sets (distinct dense ids, sorted) of some documents, built once and asked many times."""

    docs: np.ndarray  # sorted global doc ids
    ids: np.ndarray
    offsets: np.ndarray
    _csr: Any = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, source: HashSource, docs: np.ndarray) -> DocSets:
        docs = sorted_unique(np.asarray(docs, dtype=np.int64))
        ids, offsets = _sets(*source(docs))
        return cls(docs, ids, offsets)

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
        matrix = self._matrix()
        for start in range(0, len(a), batch_pairs):
            la = np.searchsorted(self.docs, a[start : start + batch_pairs])
            lb = np.searchsorted(self.docs, b[start : start + batch_pairs])
            # row-wise dot product of the two sides' 0/1 rows = |A∩B|; scipy merges each pair's two
            # sorted index lists in C (measured ~4x faster than sorting the pairs' tagged ids together)
            inter = np.asarray(matrix[la].multiply(matrix[lb]).sum(axis=1), dtype=np.float64).ravel()
            if measure == "containment":
                below = np.minimum(sizes[la], sizes[lb]).astype(np.float64)
            else:
                below = sizes[la] + sizes[lb] - inter
            out[start : start + len(la)] = np.divide(inter, below, out=np.zeros_like(inter), where=below > 0)
        return out

    def _matrix(self) -> Any:
        """The sets as a 0/1 CSR matrix (a row per doc, a column per dense shingle id), built once."""
        if self._csr is None:
            columns = int(self.ids.max()) + 1 if len(self.ids) else 1
            self._csr = sparse.csr_matrix(
                (np.ones(len(self.ids), dtype=np.int32), self.ids.astype(np.int32), self.offsets),
                shape=(len(self.docs), columns),
            )
            self._csr.has_sorted_indices = True  # each row's ids are sorted and distinct (`_sets`)
        return self._csr


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
