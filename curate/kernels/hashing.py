"""What the hashing kernels share: FNV-1a's constants, and the size of a per-text open-addressing table."""

from __future__ import annotations

import numpy as np

from winnow.curation.kernels.compiled import compiled

FNV_OFFSET = np.uint64(0xCBF2_9CE4_8422_2325)
FNV_PRIME = np.uint64(0x0000_0100_0000_01B3)


@compiled
def table_mask(entries: int) -> int:
    """size - 1 of an open-addressing table for `entries` keys: the power of two at least twice as many."""
    size = 1
    while size < 2 * entries:
        size <<= 1
    return size - 1
