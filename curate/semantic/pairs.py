"""Pairs of unit vectors whose cosine is at least a threshold: exact inside parts of a k-means partition.

Up to `part_size` vectors are compared all against all (blocked matrix products, so memory stays at
BLOCK x n floats): no pair is missed. Beyond that, spherical k-means (deterministic seed) splits the vectors
into parts of about `part_size` and pairs are searched inside each part only, as SemDeDup does: a pair whose
two vectors fall in different parts is missed, which is rare at the high cosines duplicates have (both sit
near the same centroid) and is the price of not comparing n^2 pairs.
"""

from __future__ import annotations

import numpy as np

BLOCK = 1024
KMEANS_ITERATIONS = 10


def _pairs_all(vectors: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, cosine) for a < b over all pairs of `vectors` (rows L2-normalized)."""
    found_a, found_b, found_c = [], [], []
    n = len(vectors)
    for start in range(0, n, BLOCK):
        block = vectors[start : start + BLOCK]
        sims = block @ vectors[start:].T  # only b >= start: the lower triangle is the same pairs again
        rows, cols = np.nonzero(sims >= threshold)
        a = rows + start
        b = cols + start
        keep = a < b
        found_a.append(a[keep])
        found_b.append(b[keep])
        found_c.append(sims[rows[keep], cols[keep]])
    if not found_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_c)


def kmeans_parts(vectors: np.ndarray, parts: int, seed: int = 0) -> np.ndarray:
    """Part index of each vector: spherical k-means (cosine), centroids started from a seeded sample."""
    rng = np.random.default_rng(seed)
    centroids = vectors[rng.choice(len(vectors), size=parts, replace=False)].copy()
    labels = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(KMEANS_ITERATIONS):
        labels = np.concatenate(
            [
                np.argmax(vectors[s : s + BLOCK * 8] @ centroids.T, axis=1)
                for s in range(0, len(vectors), BLOCK * 8)
            ]
        )
        for k in range(parts):
            members = vectors[labels == k]
            if len(members):
                mean = members.sum(axis=0)
                centroids[k] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return labels


def similar_pairs(
    vectors: np.ndarray, threshold: float, part_size: int = 20000
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(a, b, cosine, parts): index pairs a < b with cosine >= threshold, and how many parts were searched."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) <= part_size:
        return (*_pairs_all(vectors, threshold), 1)
    parts = -(-len(vectors) // part_size)
    labels = kmeans_parts(vectors, parts)
    found_a, found_b, found_c = [], [], []
    for k in range(parts):
        members = np.flatnonzero(labels == k)
        a, b, c = _pairs_all(vectors[members], threshold)
        first, second = members[a], members[b]
        found_a.append(np.minimum(first, second))
        found_b.append(np.maximum(first, second))
        found_c.append(c)
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_c), parts
