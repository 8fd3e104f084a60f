"""Decoding one UTF-8 character inside a compiled kernel (the bytes come from Arrow: always valid)."""

from __future__ import annotations

import numpy as np

from winnow.curation.kernels.compiled import compiled


@compiled
def decode(data: np.ndarray, i: int) -> tuple[int, int]:
    """(code point starting at byte i, byte index of the next character)."""
    b = data[i]
    if b < 0x80:
        return int(b), i + 1
    if b < 0xE0:
        return ((int(b) & 0x1F) << 6) | (int(data[i + 1]) & 0x3F), i + 2
    if b < 0xF0:
        return ((int(b) & 0x0F) << 12) | ((int(data[i + 1]) & 0x3F) << 6) | (int(data[i + 2]) & 0x3F), i + 3
    return (
        ((int(b) & 0x07) << 18)
        | ((int(data[i + 1]) & 0x3F) << 12)
        | ((int(data[i + 2]) & 0x3F) << 6)
        | (int(data[i + 3]) & 0x3F)
    ), i + 4
