"""Vectorized n-gram statistics for the Gopher repetition checks (top n-gram share, duplicated n-gram share).

Every token of every judged text lives in three flat numpy arrays (row, token hash, token characters);
an n-gram starting at token i is a 64-bit mix of its row and the hashes of tokens i..i+n-1, computed with
n vector passes instead of hashing an (n+1)-column struct. Duplicates are then found on one UInt64 column.

Both n-gram rules of a rule file usually read the same field with the same `min_chars`: the tokens
(the costliest part, one regex pass over every judged text) are computed once and shared between them
(`tokenize` keeps the last result while the checks stage runs; `clear_memo` releases it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import polars as pl

from curate.checks.textexpr import TOKEN_PATTERN

_HASH_SEED = 0x6E67_7261  # in-memory only: never persisted, so version drift is harmless
_ROW_MIX = np.uint64(0x9E37_79B9_7F4A_7C15)
_GRAM_MIX = np.uint64(0xBF58_476D_1CE4_E5B9)
_SHIFT = np.uint64(31)


@dataclass(frozen=True)
class Tokens:
    """Every token of the texts judged (>= min_chars characters), in text order."""

    height: int  # rows of the batch
    lengths: np.ndarray  # tokens per row (0 for rows not judged)
    hashes: np.ndarray  # uint64 per token
    chars: np.ndarray  # int64 characters per token


_memo_lock = threading.Lock()
_memo: tuple[pl.Series, int, Tokens] | None = None


def _tokenize(texts: pl.Series, min_chars: int) -> Tokens:
    judged = pl.select(
        pl.when(texts.str.len_chars() >= min_chars).then(texts).otherwise(pl.lit(""))
    ).to_series()
    lists = judged.str.extract_all(TOKEN_PATTERN)
    flat = lists.explode().drop_nulls()  # an empty list explodes to one null
    return Tokens(
        height=texts.len(),
        lengths=lists.list.len().fill_null(0).to_numpy().astype(np.int64),
        hashes=flat.hash(_HASH_SEED).to_numpy(),
        chars=flat.str.len_chars().to_numpy().astype(np.int64),
    )


def tokenize(texts: pl.Series, min_chars: int) -> Tokens:
    """Tokens of `texts` (shared with the previous call when it had equal texts and min_chars)."""
    global _memo
    with _memo_lock:  # the two n-gram rules may run on two threads: the second waits and reuses
        if _memo is not None and _memo[1] == min_chars and _memo[0].equals(texts):
            return _memo[2]
        tokens = _tokenize(texts, min_chars)
        _memo = (texts, min_chars, tokens)
        return tokens


def clear_memo() -> None:
    global _memo
    with _memo_lock:
        _memo = None


@dataclass(frozen=True)
class Grams:
    """The tokens of rows with enough tokens, and the n-gram starting at each token."""

    rows: np.ndarray  # int64 row per token
    chars: np.ndarray  # int64 characters per token
    gram: np.ndarray  # uint64 n-gram id per token (meaningless where not valid)
    valid: np.ndarray  # bool: the n-gram starting here stays inside its text
    gram_chars: np.ndarray  # int64 characters of the n-gram starting here


def grams(tokens: Tokens, n: int, min_tokens: int) -> Grams:
    judged = tokens.lengths >= max(min_tokens, n)
    keep = np.repeat(judged, tokens.lengths)
    rows = np.repeat(np.arange(tokens.height, dtype=np.int64), tokens.lengths)[keep]
    hashes = tokens.hashes[keep]
    chars = tokens.chars[keep]
    size = len(hashes)
    starts = max(size - n + 1, 0)
    gram = np.zeros(size, dtype=np.uint64)
    valid = np.zeros(size, dtype=bool)
    gram_chars = np.zeros(size, dtype=np.int64)
    if starts:
        mixed = rows[:starts].astype(np.uint64) * _ROW_MIX
        for k in range(n):
            mixed ^= hashes[k : k + starts]
            mixed *= _GRAM_MIX  # wraps modulo 2**64 on purpose
            mixed ^= mixed >> _SHIFT
        gram[:starts] = mixed
        valid[:starts] = rows[n - 1 :] == rows[:starts]
        total = np.concatenate(([0], np.cumsum(chars)))
        gram_chars[:starts] = total[n : n + starts] - total[:starts]
    return Grams(rows=rows, chars=chars, gram=gram, valid=valid, gram_chars=gram_chars)


def _per_row(height: int, rows: np.ndarray, values: np.ndarray) -> pl.Series:
    """Values scattered onto the batch's rows; rows without a value are null."""
    out = np.full(height, np.nan)
    out[rows] = values
    return pl.Series(out, dtype=pl.Float64, nan_to_null=True)


def top_ngram_share(texts: pl.Series, *, n: int, min_tokens: int, min_chars: int) -> pl.Series:
    """Per text: characters in occurrences of its most frequent n-gram / token characters."""
    tokens = tokenize(texts, min_chars)
    g = grams(tokens, n, min_tokens)
    judged = np.unique(g.rows)
    totals = np.bincount(g.rows, weights=g.chars, minlength=tokens.height)
    top = np.zeros(tokens.height)
    where = np.flatnonzero(g.valid)
    if len(where):
        # count of each n-gram by sorting (much cheaper than hashing into groups), then the largest
        # count x characters within each text (texts are contiguous runs of tokens)
        keys = g.gram[where]
        order = np.argsort(keys)
        ordered = keys[order]
        starts = np.empty(len(ordered), dtype=bool)
        starts[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
        group = np.cumsum(starts) - 1
        count = np.empty(len(keys), dtype=np.int64)
        count[order] = np.bincount(group)[group]
        share = count * g.gram_chars[where]
        rows = g.rows[where]
        firsts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
        top[rows[firsts]] = np.maximum.reduceat(share, firsts)
    return _per_row(tokens.height, judged, top[judged] / totals[judged])


def dup_ngram_share(texts: pl.Series, *, n: int, min_tokens: int, min_chars: int) -> pl.Series:
    """Per text: token characters covered by an n-gram that occurred earlier in it / token characters."""
    tokens = tokenize(texts, min_chars)
    g = grams(tokens, n, min_tokens)
    judged = np.unique(g.rows)
    repeated = np.zeros(len(g.gram) + 1, dtype=np.int64)
    if g.valid.any():
        first = pl.Series(g.gram[g.valid]).is_first_distinct().to_numpy()
        repeated[1:][g.valid] = ~first
    # token j is covered when an n-gram starting at j-n+1 .. j repeats; n-grams never cross texts, so the
    # window never picks up a repeat of the previous text
    seen = np.cumsum(repeated)
    ends = np.arange(1, len(g.gram) + 1)
    covered = (seen[ends] - seen[np.maximum(ends - n, 0)]) > 0
    covered_chars = np.bincount(g.rows, weights=g.chars * covered, minlength=tokens.height)
    totals = np.bincount(g.rows, weights=g.chars, minlength=tokens.height)
    return _per_row(tokens.height, judged, covered_chars[judged] / totals[judged])
