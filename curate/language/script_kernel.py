"""Letters per script group (winnow.curation.language.scripts.script_counts) in one compiled pass.

    frame.with_columns(script_counts_column(pl.col("measured"))).unnest(SCRIPTS_COLUMN)   # n_han, …, n_letters

The counts stay what `script_counts` defines: `str.count_matches` of each group's regex (SCRIPT_CLASSES) and of
`\\p{L}`. Polars runs them as five regex passes over every text (and fourteen more over texts with a letter of
a rarer script): ~2.7 s for 1M distinct prompts. Here each character is looked up once in a table whose bits
Polars' own regexes filled, one per group and one for letters, on every code point (a character may belong to
several groups: the regex classes are Unicode's script extensions), so the counts agree character for
character whatever Unicode version Polars' regex engine carries. tests/language/test_language_script_kernel.py
holds the two equal. The table is kept on disk beside the kernels' other tables (winnow.curation.kernels.
unicode_classes), keyed by the Polars version and the classes.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Final

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_strings import utf8_buffers
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.threads import PIECE_ROWS, row_pieces, thread_map
from winnow.curation.kernels.unicode_classes import CODE_POINTS, _built_once, _cached, _every_character
from winnow.curation.kernels.utf8 import decode
from winnow.curation.language.scripts import GROUPS, SCRIPT_CLASSES

SCRIPTS_COLUMN: Final = "__script_counts"
COUNTED: Final = (*(f"n_{group}" for group in GROUPS), "n_letters")  # the struct's fields, in order
CLASSES: Final = (*(SCRIPT_CLASSES[group] for group in GROUPS), r"\p{L}")  # one table bit each
STRUCT: Final = pl.Struct({name: pl.UInt32 for name in COUNTED})


def build_script_table() -> np.ndarray:
    """uint32 per code point: bit i set when it matches CLASSES[i] (surrogates: none)."""
    points, characters = _every_character()
    table = np.zeros(CODE_POINTS, dtype=np.uint32)
    for bit, pattern in enumerate(CLASSES):
        table[points[characters.str.contains(pattern).to_numpy()]] |= np.uint32(1 << bit)
    return table


@_built_once
def script_table() -> np.ndarray:
    classes = hashlib.blake2b(repr(CLASSES).encode(), digest_size=6).hexdigest()
    return _cached(f"language-scripts-{classes}", build_script_table, np.uint32)


@functools.cache  # asked by count_scripts before its threads start
def _patterns() -> tuple[np.ndarray, np.ndarray]:
    """(the table as an index into its distinct bit patterns, uint8 per code point; each pattern's bits as a
    0/1 matrix, patterns x CLASSES): a text's characters are tallied per pattern, the tallies spread to the
    classes once per text (a few dozen patterns, not a loop over every class for every character)."""
    table = script_table()
    patterns, index = np.unique(table, return_inverse=True)
    if len(patterns) > 256:  # never seen: scripts overlap in a handful of ways
        raise ValueError(f"{len(patterns)} script patterns do not fit the uint8 index")
    bits = np.uint32(1) << np.arange(len(CLASSES), dtype=np.uint32)
    members = ((patterns[:, None] & bits[None, :]) != 0).astype(np.uint8)
    return index.astype(np.uint8), members


@compiled
def _count(
    data: np.ndarray, offsets: np.ndarray, valid: np.ndarray, index: np.ndarray, members: np.ndarray
) -> np.ndarray:
    rows = len(offsets) - 1
    patterns, classes = members.shape
    out = np.zeros((rows, classes), dtype=np.uint32)
    tally = np.zeros(patterns, dtype=np.int64)
    for row in range(rows):
        if not valid[row]:
            continue
        p, hi = offsets[row], offsets[row + 1]
        while p < hi:
            c, p = decode(data, p)
            tally[index[c]] += 1
        for pattern in range(patterns):
            n = tally[pattern]
            if n:
                for k in range(classes):
                    if members[pattern, k]:
                        out[row, k] += n
                tally[pattern] = 0
    return out


def count_scripts(texts: pl.Series) -> pl.Series:
    """A Struct Series (fields COUNTED, UInt32) of the letters per script group and of all letters in each
    text; null for a null text."""
    buffers = utf8_buffers(texts)
    valid = buffers.valid_rows()
    index, members = _patterns()
    parts = thread_map(  # a piece is a slice of the offsets: no copy
        lambda piece: _count(
            buffers.data, buffers.offsets[piece[0] : piece[1] + 1], valid[piece[0] : piece[1]], index, members
        ),
        row_pieces(len(texts), PIECE_ROWS),
    )
    counts = np.concatenate(parts)
    frame = pl.DataFrame({name: counts[:, k] for k, name in enumerate(COUNTED)})
    counted = pl.struct(COUNTED)
    if buffers.valid is not None:
        frame = frame.with_columns(pl.Series("__valid", valid))
        counted = pl.when(pl.col("__valid")).then(counted)
    return frame.select(counted.alias(texts.name)).to_series()


def script_counts_column(measured: pl.Expr) -> pl.Expr:
    """The counts of `script_counts(measured)` as one Struct column SCRIPTS_COLUMN (unnest it)."""
    return measured.map_batches(count_scripts, return_dtype=STRUCT).alias(SCRIPTS_COLUMN)
