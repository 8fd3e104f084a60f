"""BLAKE2b with an 8-byte digest of `prefix + key` for every key of a String column, in one compiled pass.

    values = blake2b64(keys, b"winnow-split\\x1f0\\x1f")   # uint64 per key: the digest read big-endian

The same numbers as `int.from_bytes(hashlib.blake2b(prefix + key.encode(), digest_size=8).digest(), "big")`
(RFC 7693: unkeyed, no salt or personalisation, 12 rounds over 128-byte blocks): the split and the mix place
rows by them, so a run on any machine and any version agrees with every earlier run. hashlib's one call per
key from Python cost ~0.6 s per 1M keys (the call and building `prefix + key`, not the hash), paid again by
every run that redoes the split or the mix; here the hash itself is the cost (~240 ns a short key, on
threads for a large column).
tests/kernels/test_kernels_blake2b.py holds it equal to hashlib on empty, short, block-sized, long and
non-ASCII keys.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_strings import utf8_buffers
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.threads import PIECE_ROWS, row_pieces, thread_map

BLOCK = 128  # bytes per compression
_IV = np.array(
    [
        0x6A09E667F3BCC908,
        0xBB67AE8584CAA73B,
        0x3C6EF372FE94F82B,
        0xA54FF53A5F1D36F1,
        0x510E527FADE682D1,
        0x9B05688C2B3E6C1F,
        0x1F83D9ABFB41BD6B,
        0x5BE0CD19137E2179,
    ],
    dtype=np.uint64,
)
# the message word order of each round (rounds 10 and 11 use rows 0 and 1 again: RFC 7693's SIGMA[r mod 10])
_SIGMA = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ],
    dtype=np.int64,
)
_DIGEST_BYTES = 8
# the parameter block's first word: digest length, key length 0, fanout 1, depth 1
_PARAMETERS = np.uint64(0x01010000 | _DIGEST_BYTES)


@compiled
def _rotr(x: np.uint64, n: np.uint64) -> np.uint64:
    return (x >> n) | (x << (np.uint64(64) - n))


@compiled
def _g(
    a: np.uint64, b: np.uint64, c: np.uint64, d: np.uint64, x: np.uint64, y: np.uint64
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """BLAKE2b's mixing function G on four state words and two message words."""
    a = a + b + x
    d = _rotr(d ^ a, np.uint64(32))
    c = c + d
    b = _rotr(b ^ c, np.uint64(24))
    a = a + b + y
    d = _rotr(d ^ a, np.uint64(16))
    c = c + d
    b = _rotr(b ^ c, np.uint64(63))
    return a, b, c, d


@compiled
def _compress(h: np.ndarray, block: np.ndarray, length: int, last: bool, m: np.ndarray) -> None:
    """One BLAKE2b compression of the 128 bytes of `block` into the state `h` (`length`: message bytes up to
    and including this block; `m` is scratch). The state is sixteen locals, not an array: they stay in
    registers (~2x faster)."""
    for i in range(16):
        word = np.uint64(0)
        for b in range(7, -1, -1):  # little-endian
            word = (word << np.uint64(8)) | np.uint64(block[i * 8 + b])
        m[i] = word
    v0, v1, v2, v3, v4, v5, v6, v7 = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
    v8, v9, v10, v11, v12, v13, v14, v15 = _IV[0], _IV[1], _IV[2], _IV[3], _IV[4], _IV[5], _IV[6], _IV[7]
    v12 ^= np.uint64(length)  # the counter's high word stays 0: no key is 2**64 bytes long
    if last:
        v14 = ~v14
    for r in range(12):
        s = _SIGMA[r % 10]
        v0, v4, v8, v12 = _g(v0, v4, v8, v12, m[s[0]], m[s[1]])  # the columns
        v1, v5, v9, v13 = _g(v1, v5, v9, v13, m[s[2]], m[s[3]])
        v2, v6, v10, v14 = _g(v2, v6, v10, v14, m[s[4]], m[s[5]])
        v3, v7, v11, v15 = _g(v3, v7, v11, v15, m[s[6]], m[s[7]])
        v0, v5, v10, v15 = _g(v0, v5, v10, v15, m[s[8]], m[s[9]])  # the diagonals
        v1, v6, v11, v12 = _g(v1, v6, v11, v12, m[s[10]], m[s[11]])
        v2, v7, v8, v13 = _g(v2, v7, v8, v13, m[s[12]], m[s[13]])
        v3, v4, v9, v14 = _g(v3, v4, v9, v14, m[s[14]], m[s[15]])
    h[0] ^= v0 ^ v8
    h[1] ^= v1 ^ v9
    h[2] ^= v2 ^ v10
    h[3] ^= v3 ^ v11
    h[4] ^= v4 ^ v12
    h[5] ^= v5 ^ v13
    h[6] ^= v6 ^ v14
    h[7] ^= v7 ^ v15


@compiled
def _blake2b64(data: np.ndarray, offsets: np.ndarray, prefix: np.ndarray) -> np.ndarray:
    """Per row, the 8-byte BLAKE2b digest of `prefix` + the row's bytes, read as a big-endian uint64."""
    rows = len(offsets) - 1
    out = np.empty(rows, dtype=np.uint64)
    h = np.empty(8, dtype=np.uint64)
    m = np.empty(16, dtype=np.uint64)
    block = np.zeros(BLOCK, dtype=np.uint8)
    p_len = len(prefix)
    for row in range(rows):
        start = offsets[row]
        total = p_len + (offsets[row + 1] - start)
        for i in range(8):
            h[i] = _IV[i]
        h[0] ^= _PARAMETERS
        done = 0  # message bytes compressed so far
        # every full block but the last, then the last (zero-padded; an empty message is one zero block)
        while True:
            take = min(BLOCK, total - done)
            for i in range(take):
                at = done + i
                block[i] = prefix[at] if at < p_len else data[start + at - p_len]
            for i in range(take, BLOCK):
                block[i] = 0
            done += take
            last = done == total
            _compress(h, block, done, last, m)
            if last:
                break
        word = h[0]
        swapped = np.uint64(0)
        for _ in range(8):  # the digest's first 8 bytes are h[0] little-endian: read them big-endian
            swapped = (swapped << np.uint64(8)) | (word & np.uint64(0xFF))
            word >>= np.uint64(8)
        out[row] = swapped
    return out


def blake2b64(keys: pl.Series, prefix: bytes) -> np.ndarray:
    """uint64 per key: blake2b(prefix + key, digest_size=8) read big-endian. `keys` must hold no null.

    A large column is hashed in one piece of rows per core on threads (the kernel runs without the GIL)."""
    if keys.null_count():
        raise ValueError("blake2b64: keys must not be null")
    buffers = utf8_buffers(keys)
    salt = np.frombuffer(prefix, dtype=np.uint8)
    pieces = row_pieces(len(keys), PIECE_ROWS)
    if len(pieces) == 1:
        return _blake2b64(buffers.data, buffers.offsets, salt)
    # a piece is a slice of the offsets (row i of the piece is data[offsets[i]:offsets[i + 1]]): no copy
    parts = thread_map(
        lambda piece: _blake2b64(buffers.data, buffers.offsets[piece[0] : piece[1] + 1], salt), pieces
    )
    return np.concatenate(parts)
