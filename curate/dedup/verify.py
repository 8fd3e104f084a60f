"""Exact Jaccard of document pairs over their shingle sets (64-bit shingle hashes).

Used to remove LSH false positives and to explain every dropped row with its similarity to the kept one.
Vectorized: for a batch of pairs, each document's shingles become dense ids, the ids of both sides are
tagged with the pair number and sorted together, and a pair's intersection is the number of tags that
occur twice. Shingle hashes come from signing (`ShingleHashes`), so nothing is shingled twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from curate.dedup.shingles import ShingleSpec
from curate.dedup.signing import shingle_hashes

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


def _sets(hashes: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique dense ids per document, concatenated; offsets) from raw shingle hashes."""
    n = len(offsets) - 1
    _, dense = np.unique(hashes, return_inverse=True)
    doc = np.repeat(np.arange(n, dtype=np.uint64), np.diff(offsets))
    tagged = np.unique((doc << np.uint64(32)) | dense.astype(np.uint64))  # a set per doc, sorted
    set_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount((tagged >> np.uint64(32)).astype(np.int64), minlength=n), out=set_offsets[1:])
    return tagged & np.uint64(0xFFFFFFFF), set_offsets


def pair_jaccard(
    source: HashSource,
    a: np.ndarray,
    b: np.ndarray,
    *,
    batch_pairs: int = 200_000,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Jaccard(shingles(a[i]), shingles(b[i])) for every i (0.0 when both are empty)."""
    out = np.zeros(len(a), dtype=np.float64)
    for start in range(0, len(a), batch_pairs):
        pa, pb = a[start : start + batch_pairs], b[start : start + batch_pairs]
        docs, local = np.unique(np.concatenate([pa, pb]), return_inverse=True)
        la, lb = local[: len(pa)], local[len(pa) :]
        ids, offsets = _sets(*source(docs))
        sizes = np.diff(offsets)
        pair = np.arange(len(pa), dtype=np.uint64)
        tags = np.concatenate(
            [
                (np.repeat(pair, sizes[la]) << np.uint64(32)) | ids[ranges(offsets[la], sizes[la])],
                (np.repeat(pair, sizes[lb]) << np.uint64(32)) | ids[ranges(offsets[lb], sizes[lb])],
            ]
        )
        tags.sort()
        twice = tags[1:][tags[1:] == tags[:-1]]  # each side is a set, so a repeat is one shared shingle
        inter = np.bincount((twice >> np.uint64(32)).astype(np.int64), minlength=len(pa)).astype(np.float64)
        union = sizes[la] + sizes[lb] - inter
        out[start : start + len(pa)] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        if progress is not None:
            progress(start + len(pa), len(a))
    return out
