"""Connected components of the duplicate graph by union-find; a component is labelled by its smallest doc."""

from __future__ import annotations

import numpy as np


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label (smallest member index) of each of n docs, given undirected edges a[i]-b[i]."""
    parent = np.arange(n, dtype=np.int64)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:  # path compression keeps later finds short
            parent[x], x = root, int(parent[x])
        return root

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            # the smaller index becomes the root, so labels do not depend on edge order
            parent[max(rx, ry)] = min(rx, ry)
    # pointer jumping until every doc points at its root (vectorized; roots are fixed points)
    while True:
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            return parent
        parent = jumped
