"""The `mix64` shingle hashes of a batch of normalized texts: each token hashed once, a shingle from its tokens.

    hashes, offsets = shingle_mix64(texts, is_cjk, word_ngram=3, char_ngram=3)

The same shingles as `winnow.curation.dedup.shingle_kernel` (word n-grams split on " ", CJK character n-grams
with the spaces removed, one shingle of all tokens for a text shorter than n, none for an empty one), hashed
another way. SHA-1 hashes every byte of a word 3-gram three times (it sits in three shingles) through 80
rounds: ~0.2 us a shingle, 28 of the dedup stage's 64 CPU-s at 1M rows. Here each token (a word, or a CJK
character) is hashed once from its bytes, eight at a time, and a shingle is its n token hashes folded in
order (a polynomial, then one multiply-xorshift finalizer). Equal token sequences (equal shingle strings, since no
token holds a space) give equal hashes; different ones collide with probability ~2^-64 per pair, which the
exact Jaccard of verification and MinHash's 32-bit slots treat as SHA-1's prefix.

The values are frozen (the dedup memo stores signatures made from them): splitmix64's finalizer as the mixer,
the constants below. `python_mix64` is the same definition in plain Python (the tests hold the two equal);
`mix64_hashfunc` hands it to datasketch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from winnow.curation.dedup.shingle_kernel import (
    _char_tokens,
    _word_tokens,
    run_shingle_kernel,
    shingle_offsets,
)
from winnow.curation.kernels.compiled import compiled

_M64 = (1 << 64) - 1
TOKEN_SEED = 0x2545F4914F6CDD1D
SHINGLE_SEED = 0x9E3779B97F4A7C15
STEP = 0xD6E8FEB86659FD93  # odd: folding a token multiplies the state by it before adding the token


@compiled
def _mix(x: np.uint64) -> np.uint64:
    """splitmix64's finalizer: every input bit moves every output bit."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@compiled
def _token_hash(data: np.ndarray, lo: int, hi: int) -> np.uint64:
    """Hash of data[lo:hi]: the length, then each little-endian 8-byte word (the last zero-padded)."""
    h = _mix(np.uint64(TOKEN_SEED) ^ np.uint64(hi - lo))
    word = np.uint64(0)
    shift = np.uint64(0)
    for p in range(lo, hi):
        word |= np.uint64(data[p]) << shift
        shift += np.uint64(8)
        if shift == np.uint64(64):
            h = _mix(h ^ word)
            word = np.uint64(0)
            shift = np.uint64(0)
    if shift != np.uint64(0):
        h = _mix(h ^ word)
    return h


@compiled
def _fold(tokens: np.ndarray, first: int, span: int) -> np.uint64:
    """The polynomial of the token hashes in the odd STEP (mod 2^64), mixed once: the token hashes are
    already uniform, so one finalizer per shingle is enough (one per token cost 0.55 of 1.0 CPU-s)."""
    h = np.uint64(SHINGLE_SEED)
    for j in range(first, first + span):
        h = h * np.uint64(STEP) + tokens[j]
    return _mix(h)


@compiled
def _shingle_mix64(
    data: np.ndarray,
    offsets: np.ndarray,
    valid: np.ndarray,
    by_char: np.ndarray,
    word_ngram: int,
    char_ngram: int,
    longest: int,
) -> tuple[np.ndarray, np.ndarray]:
    rows = len(offsets) - 1
    text = np.empty(max(longest, 1), dtype=np.uint8)
    bounds = np.empty(longest + 2, dtype=np.int64)
    tokens = np.empty(longest + 1, dtype=np.uint64)
    out_offsets = shingle_offsets(data, offsets, valid, by_char, word_ngram, char_ngram, text, bounds)
    hashes = np.empty(out_offsets[rows], dtype=np.uint64)
    for row in range(rows):
        first, stop = out_offsets[row], out_offsets[row + 1]
        if stop == first:
            continue
        lo, hi = offsets[row], offsets[row + 1]
        if by_char[row]:  # character i is text[bounds[i]:bounds[i + 1]]
            n_tok = _char_tokens(data, lo, hi, text, bounds)
            for i in range(n_tok):
                tokens[i] = _token_hash(text, bounds[i], bounds[i + 1])
            span = min(char_ngram, n_tok)
        else:  # word i is data[bounds[i]:bounds[i + 1] - 1]
            n_tok = _word_tokens(data, lo, hi, bounds)
            for i in range(n_tok):
                tokens[i] = _token_hash(data, bounds[i], bounds[i + 1] - 1)
            span = min(word_ngram, n_tok)
        for i in range(stop - first):
            hashes[first + i] = _fold(tokens, i, span)
    return hashes, out_offsets


def shingle_mix64(
    texts: pl.Series, is_cjk: pl.Series, *, word_ngram: int, char_ngram: int
) -> tuple[np.ndarray, np.ndarray]:
    """(mix64 hash of every shingle occurrence, grouped by document in document order; offsets with
    len(texts) + 1 entries). `is_cjk` (a bool per text, null = False) picks character n-grams."""
    return run_shingle_kernel(_shingle_mix64, texts, is_cjk, word_ngram, char_ngram)


def _python_mix(x: int) -> int:
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def python_token_hash(token: str) -> int:
    data = token.encode("utf-8")
    h = _python_mix(TOKEN_SEED ^ len(data))
    for start in range(0, len(data), 8):
        h = _python_mix(h ^ int.from_bytes(data[start : start + 8], "little"))
    return h


def python_mix64(tokens: list[str]) -> int:
    """The mix64 hash of one shingle given as its tokens (words, or CJK characters), in plain Python."""
    h = SHINGLE_SEED
    for token in tokens:
        h = (h * STEP + python_token_hash(token)) & _M64
    return _python_mix(h)


def mix64_hashfunc(by_char: bool) -> Callable[[bytes], int]:
    """A `datasketch.MinHash(hashfunc=...)` giving winnow's mix64 signatures: the low 32 bits of mix64 of a
    shingle's UTF-8 bytes, cut into characters (`by_char`: a CJK row) or into the words between its spaces."""

    def hash32(data: bytes) -> int:
        shingle = data.decode("utf-8")
        return python_mix64(list(shingle) if by_char else shingle.split(" ")) & 0xFFFFFFFF

    return hash32
