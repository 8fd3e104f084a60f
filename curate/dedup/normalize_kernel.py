"""`normalized` texts in one compiled pass per row, the Polars expression for the rows it cannot do.

    out = normalize_texts(series, fold=True, punctuation=False)   # = normalized(col, punctuation_blind=False)
    out = normalize_texts(series, fold=False, punctuation=True)   # near_texts of already-normalized keys

What a dedup text is stays defined by `winnow.curation.dedup.normalize.normalized`: NFKC, lower case,
optionally every punctuation and symbol character a space, whitespace runs one space, no space at either
end, '' null. Polars runs that as four or five passes over the text with Unicode tables: ~19 ns a byte,
~8 CPU-s on the keys of 1M conversation rows and a fifth of a 2k-row dedup stage. Here each character is
looked up once: its NFKC-and-lower-case result in `winnow.curation.kernels.unicode_fold` (built from Polars'
own answers per code point), the class of each result character (whitespace as `\\s`, `[\\p{P}\\p{S}]`) in
`winnow.curation.kernels.unicode_classes` (built from Polars' regexes). A row holding a character whose
result depends on its neighbours (a combining mark, a Hangul jamo, a capital sigma; see unicode_fold) is
left to the expression, which gives the answer by definition. tests/dedup/test_dedup_normalize_kernel.py
holds the two equal on every code point alone and between letters, and on real rows in many scripts.
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl
import pyarrow as pa

from winnow.curation.dedup.normalize import PUNCTUATION_PATTERN, normalized
from winnow.curation.kernels.arrow_strings import utf8_buffers
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.threads import PIECE_ROWS, row_pieces, thread_map
from winnow.curation.kernels.unicode_classes import PUNCT_SYMBOL, SPACE, class_table
from winnow.curation.kernels.unicode_fold import COMPLEX, MANY, fold_table
from winnow.curation.kernels.utf8 import decode, encode_into

_OTHER, _SPACE, _PUNCT = 0, 1, 2


@functools.cache
def _kinds() -> np.ndarray:
    """uint8 per code point: _SPACE (matches `\\s`), _PUNCT (matches `[\\p{P}\\p{S}]`), else _OTHER."""
    table = class_table()
    kinds = np.zeros(len(table), dtype=np.uint8)
    kinds[(table & PUNCT_SYMBOL) != 0] = _PUNCT
    kinds[(table & SPACE) != 0] = _SPACE
    return kinds


@compiled
def _normalize(
    data: np.ndarray,
    offsets: np.ndarray,
    valid: np.ndarray,
    table: np.ndarray,
    kinds: np.ndarray,
    fold: bool,
    punctuation: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes, offsets, done) of every row: a valid row without a context-dependent character normalized
    (done), any other row empty."""
    rows = len(offsets) - 1
    out = np.empty(len(data) + 64, dtype=np.uint8)
    out_offsets = np.zeros(rows + 1, dtype=np.int64)
    done = np.zeros(rows, dtype=np.bool_)
    end = 0
    for row in range(rows):
        start = end
        if valid[row]:
            done[row] = True
            space = False  # a space is owed before the next character kept
            p, hi = offsets[row], offsets[row + 1]
            while p < hi:
                c, p = decode(data, p)
                first, count, listed = c, 1, False  # the result: one code point, or `count` listed
                if fold:
                    entry = table[c]
                    if entry == COMPLEX:
                        done[row] = False
                        break
                    if entry >= 0:
                        first = entry
                    else:
                        first, listed = MANY - entry + 1, True
                        count = table[first - 1]
                if (
                    len(out) < end + 4 * count + 1
                ):  # no room: an expanding row (rare) is left to the expression
                    done[row] = False
                    break
                for k in range(count):
                    cp = table[first + k] if listed else first
                    kind = kinds[cp]
                    if kind == _SPACE or (punctuation and kind == _PUNCT):
                        space = True
                        continue
                    if space and end > start:
                        out[end] = 32
                        end += 1
                    space = False
                    end = encode_into(out, end, cp)
            if not done[row]:
                end = start
        out_offsets[row + 1] = end
    return out[:end], out_offsets, done


def normalize_texts(texts: pl.Series, *, fold: bool, punctuation: bool) -> pl.Series:
    """`normalized(texts, punctuation_blind=punctuation)` when `fold` (NFKC and lower case); without it only
    the punctuation (when asked), whitespace and empty steps, for texts that went through `normalized`.

    A large column is cut in one piece per core, normalized on threads (the kernel runs without the GIL, the
    expression in Polars' pool): the keys of 1M conversation rows took ~4 s on one core."""
    pieces = row_pieces(len(texts), PIECE_ROWS)
    if len(pieces) == 1:
        return _normalize_piece(texts, fold, punctuation)
    parts = thread_map(
        lambda piece: _normalize_piece(texts.slice(piece[0], piece[1] - piece[0]), fold, punctuation), pieces
    )
    # one chunk, like the columns it joins (misaligned chunks cost a copy in every later operation)
    return pl.concat(parts, rechunk=True)


def _normalize_piece(texts: pl.Series, fold: bool, punctuation: bool) -> pl.Series:
    buffers = utf8_buffers(texts)
    table = fold_table() if fold else np.zeros(1, dtype=np.int32)  # not read without fold
    data, out_offsets, done = _normalize(
        buffers.data, buffers.offsets, buffers.valid_rows(), table, _kinds(), fold, punctuation
    )
    kept = np.diff(out_offsets) > 0
    validity = pa.py_buffer(np.packbits(kept, bitorder="little"))  # not pa.array: that imports pandas
    array = pa.LargeStringArray.from_buffers(
        len(done), pa.py_buffer(out_offsets), pa.py_buffer(data), validity
    )
    out = pl.Series(texts.name, array).cast(pl.String)
    others = np.flatnonzero(~done & buffers.valid_rows())
    if len(others):
        rest = pl.DataFrame({"t": texts.gather(others)}).select(expression(fold, punctuation))["t"]
        out = out.scatter(others, rest)
    return out


def expression(fold: bool, punctuation: bool) -> pl.Expr:
    """The definition normalize_texts computes, of column "t"."""
    text = pl.col("t").cast(pl.String)
    if fold:
        return normalized(text, punctuation_blind=punctuation)
    if punctuation:
        text = text.str.replace_all(PUNCTUATION_PATTERN, " ")
    return text.str.replace_all(r"\s+", " ").str.strip_chars(" ").replace("", None)
