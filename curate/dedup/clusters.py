"""Connected components of the duplicate graph by union-find; a component is labelled by its smallest doc."""

from __future__ import annotations

import numpy as np


class UnionFind:
    """Union-find over docs 0..n-1 whose roots are always the smallest member (labels do not depend on
    the order edges arrive in)."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def _find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:  # path compression keeps later finds short
            parent[x], x = root, int(parent[x])
        return root

    def union_pairs(self, a: np.ndarray, b: np.ndarray) -> None:
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            rx, ry = self._find(x), self._find(y)
            if rx != ry:
                self.parent[max(rx, ry)] = min(rx, ry)

    def roots(self) -> np.ndarray:
        """Root of every doc: pointer jumping until every doc points at its root (vectorized)."""
        while True:
            jumped = self.parent[self.parent]
            if np.array_equal(jumped, self.parent):
                return self.parent.copy()
            self.parent = jumped


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label (smallest member index) of each of n docs, given undirected edges a[i]-b[i]."""
    union_find = UnionFind(n)
    union_find.union_pairs(a, b)
    return union_find.roots()
