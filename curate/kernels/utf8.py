"""Decoding one UTF-8 character inside a compiled kernel (the bytes come from Arrow: always valid), and
writing one."""

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


@compiled
def encode_into(out: np.ndarray, end: int, cp: int | np.int64) -> int:
    """Write `cp` as UTF-8 at out[end:] (room is there); the new end."""
    if cp < 0x80:
        out[end] = cp
        return end + 1
    if cp < 0x800:
        out[end] = 0xC0 | (cp >> 6)
        out[end + 1] = 0x80 | (cp & 0x3F)
        return end + 2
    if cp < 0x10000:
        out[end] = 0xE0 | (cp >> 12)
        out[end + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[end + 2] = 0x80 | (cp & 0x3F)
        return end + 3
    out[end] = 0xF0 | (cp >> 18)
    out[end + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[end + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[end + 3] = 0x80 | (cp & 0x3F)
    return end + 4
