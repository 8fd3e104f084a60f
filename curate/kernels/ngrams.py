"""Gopher n-gram repetition per text, compiled: the share of token characters taken by the most frequent
n-gram's occurrences (`top`), and the share covered by n-grams that occurred earlier in the text (`dup`).

Tokens are those of `unicode_classes.TOKEN_PATTERN`: each CJK character alone, otherwise a maximal run
of letters/digits/marks; punctuation and spaces separate tokens and are not counted. A text is judged
when it has at least `min_chars` characters and at least max(min_tokens, n) tokens; otherwise its value
is null. Tokens and n-grams are compared by 64-bit hashes (in memory only, never persisted), computed
per text, and counted in a hash table: the work is linear in the text.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_strings import utf8_buffers, with_nulls
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.hashing import FNV_OFFSET, FNV_PRIME, table_mask
from winnow.curation.kernels.unicode_classes import CJK, WORD, class_table
from winnow.curation.kernels.utf8 import decode

TOP = 0
DUP = 1
_GRAM_MIX = np.uint64(0xBF58_476D_1CE4_E5B9)
_SHIFT = np.uint64(31)


@compiled
def _finish(h: np.uint64) -> np.uint64:
    h ^= h >> np.uint64(33)
    h *= _GRAM_MIX
    h ^= h >> _SHIFT
    return h


@compiled
def _tokenize(
    data: np.ndarray, start: int, end: int, table: np.ndarray, hashes: np.ndarray, chars: np.ndarray
) -> int:
    """Tokens of data[start:end] into hashes/chars; returns the number of tokens."""
    count = 0
    i = start
    in_word = False
    h = FNV_OFFSET
    length = 0
    while i < end:
        cp, i = decode(data, i)
        bits = table[cp]
        if bits & WORD:
            if not in_word:
                in_word = True
                h = FNV_OFFSET
                length = 0
            h = (h ^ np.uint64(cp)) * FNV_PRIME
            length += 1
            continue
        if in_word:
            hashes[count] = _finish(h)
            chars[count] = length
            count += 1
            in_word = False
        if bits & CJK:
            hashes[count] = _finish((FNV_OFFSET ^ np.uint64(cp)) * FNV_PRIME)
            chars[count] = 1
            count += 1
    if in_word:
        hashes[count] = _finish(h)
        chars[count] = length
        count += 1
    return count


@compiled
def _shares(
    data: np.ndarray,
    offsets: np.ndarray,
    longest: int,
    table: np.ndarray,
    n: int,
    min_tokens: int,
    min_chars: int,
    mode: int,
    out: np.ndarray,
    judged: np.ndarray,
) -> None:
    hashes = np.empty(longest + 1, dtype=np.uint64)
    chars = np.empty(longest + 1, dtype=np.int64)
    grams = np.empty(longest + 1, dtype=np.uint64)
    gram_chars = np.empty(longest + 1, dtype=np.int64)
    repeated = np.zeros(longest + 1, dtype=np.bool_)
    slots = np.empty(longest + 1, dtype=np.int64)
    size = table_mask(longest + 1) + 1
    stamps = np.zeros(size, dtype=np.int64)
    keys = np.empty(size, dtype=np.uint64)
    seen = np.empty(size, dtype=np.int64)
    need = max(min_tokens, n)
    for row in range(len(offsets) - 1):
        start = offsets[row]
        end = offsets[row + 1]
        text_chars = 0
        for i in range(start, end):
            if (data[i] & 0xC0) != 0x80:
                text_chars += 1
        if text_chars < min_chars:
            continue
        tokens = _tokenize(data, start, end, table, hashes, chars)
        if tokens < need:
            continue
        total = 0
        for t in range(tokens):
            total += chars[t]
        count = tokens - n + 1
        for g in range(count):
            mixed = np.uint64(0)
            width = 0
            for k in range(n):
                mixed ^= hashes[g + k]
                mixed *= _GRAM_MIX
                mixed ^= mixed >> _SHIFT
                width += chars[g + k]
            grams[g] = mixed
            gram_chars[g] = width
        # occurrences counted in an open-addressing table sized for this text (slots stamped with the row,
        # so nothing is cleared between texts)
        mask = table_mask(count)
        best = 0
        for g in range(count):
            slot = np.int64(grams[g] & np.uint64(mask))
            while stamps[slot] == row + 1 and keys[slot] != grams[g]:
                slot = (slot + 1) & mask
            if stamps[slot] != row + 1:
                stamps[slot] = row + 1
                keys[slot] = grams[g]
                seen[slot] = 0
                repeated[g] = False
            else:
                repeated[g] = True
            seen[slot] += 1
            slots[g] = slot
        if mode == TOP:
            for g in range(count):
                best = max(best, seen[slots[g]] * gram_chars[g])
        judged[row] = True
        if mode == TOP:
            out[row] = best / total
            continue
        # token t is covered when an n-gram starting at t-n+1 .. t repeats an earlier one
        covered = 0
        window = 0
        for t in range(tokens):
            if t < count and repeated[t]:
                window += 1
            if t - n >= 0 and repeated[t - n]:
                window -= 1
            if window > 0:
                covered += chars[t]
        out[row] = covered / total


def ngram_share_series(texts: pl.Series, *, mode: int, n: int, min_tokens: int, min_chars: int) -> pl.Series:
    """`TOP` or `DUP` share per text (Float64), null for texts not judged."""
    buffers = utf8_buffers(texts)
    out = np.zeros(buffers.rows, dtype=np.float64)
    judged = np.zeros(buffers.rows, dtype=np.bool_)
    _shares(
        buffers.data,
        buffers.offsets,
        buffers.longest,
        class_table(),
        n,
        min_tokens,
        min_chars,
        mode,
        out,
        judged,
    )
    valid = judged if buffers.valid is None else judged & buffers.valid
    return with_nulls(texts.name, out, valid)
