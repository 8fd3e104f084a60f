"""`char_counts` of a row's texts joined by newlines, without joining them.

The checks' `all_text` (system, every message, input, chosen, rejected, text: the non-empty ones joined
by "\\n") is read only through its character counts by the default rules. Building the joined string
costs more than counting it, so the counts are added up piece by piece straight from the columns, with
one "\\n" counted between two non-empty pieces. That is exact because a garbled-text marker can neither
start with nor continue into "\\n" (`newline_is_neutral`, checked before counting): no count of the
joined text depends on characters of two pieces at once.
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_lists import list_buffers
from winnow.curation.kernels.arrow_strings import utf8_buffers
from winnow.curation.kernels.char_counts import (
    FIELDS,
    STRUCT,
    add_counts,
    char_counts_series,
    finish,
    struct_of_counts,
)
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.unicode_classes import (
    MOJIBAKE_AFTER_A,
    MOJIBAKE_AFTER_EURO,
    MOJIBAKE_START,
    MOJIBAKE_TRIPLES,
    class_table,
)

SEPARATOR = "\n"


def newline_is_neutral(table: np.ndarray) -> bool:
    """True when "\\n" takes no part in a garbled-text marker (so a marker never spans two pieces)."""
    bits = int(table[ord(SEPARATOR)])
    in_triples = any(SEPARATOR in triple for triple in MOJIBAKE_TRIPLES)
    return not bits & (MOJIBAKE_START | MOJIBAKE_AFTER_A | MOJIBAKE_AFTER_EURO) and not in_triples


@functools.cache
def _separator_counts() -> np.ndarray:
    """The counts of "\\n" alone, in `add_counts`' layout (spaces in column 1)."""
    counts = char_counts_series(pl.Series([SEPARATOR])).struct.unnest().row(0, named=True)
    row = [counts[name] for name in FIELDS]
    row[1] = counts["chars"] - counts["nonspace"]
    return np.array(row, dtype=np.int64)


@compiled
def _add_piece(
    data: np.ndarray,
    start: int,
    end: int,
    table: np.ndarray,
    out: np.ndarray,
    started: np.ndarray,
    separator: np.ndarray,
    row: int,
) -> None:
    """Adds the text data[start:end], when not empty, to the row's counts (after a separator if a piece
    came before)."""
    if start == end:
        return
    if started[row]:
        # a loop: `out[row] += separator` compiles numba's whole array-broadcasting machinery (~1 s)
        for k in range(separator.shape[0]):
            out[row, k] += separator[k]
    add_counts(data, start, end, table, out, row)
    started[row] = True


@compiled
def _add_texts(
    data: np.ndarray,
    offsets: np.ndarray,
    valid: np.ndarray,
    table: np.ndarray,
    out: np.ndarray,
    started: np.ndarray,
    separator: np.ndarray,
) -> None:
    """`_add_piece` for each row's text."""
    for row in range(len(offsets) - 1):
        if valid[row]:
            _add_piece(data, offsets[row], offsets[row + 1], table, out, started, separator, row)


@compiled
def _add_lists(
    data: np.ndarray,
    offsets: np.ndarray,
    valid: np.ndarray,
    list_offsets: np.ndarray,
    list_valid: np.ndarray,
    table: np.ndarray,
    out: np.ndarray,
    started: np.ndarray,
    separator: np.ndarray,
) -> None:
    """`_add_piece` for every text of each row's list, in order."""
    for row in range(len(list_offsets) - 1):
        if not list_valid[row]:
            continue
        for k in range(list_offsets[row], list_offsets[row + 1]):
            if valid[k]:
                _add_piece(data, offsets[k], offsets[k + 1], table, out, started, separator, row)


def joined_counts_series(columns: pl.Series) -> pl.Series:
    """Counts of each row's pieces joined (see `joined_counts`); `columns` is the Struct of `present`
    and the pieces, in order."""
    fields = columns.struct.unnest()
    present = fields.to_series(0).fill_null(False).to_numpy()
    table = class_table()
    if not newline_is_neutral(table):  # callers check first (textexpr falls back to the joined text)
        raise ValueError('"\\n" is part of a garbled-text marker: counts of joined pieces would differ')
    separator = _separator_counts()
    out = np.zeros((columns.len(), len(FIELDS)), dtype=np.int64)
    started = np.zeros(columns.len(), dtype=np.bool_)
    for piece in fields.get_columns()[1:]:
        if isinstance(piece.dtype, pl.List):
            lists = list_buffers(piece)
            list_valid = lists.valid if lists.valid is not None else np.ones(lists.rows, dtype=np.bool_)
            strings = lists.strings
            _add_lists(
                strings.data,
                strings.offsets,
                strings.valid_rows(),
                lists.list_offsets,
                list_valid,
                table,
                out,
                started,
                separator,
            )
        else:
            texts = utf8_buffers(piece)
            _add_texts(texts.data, texts.offsets, texts.valid_rows(), table, out, started, separator)
    finish(out)
    return struct_of_counts(columns.name, out, present)


def joined_counts(pieces: list[pl.Expr], present: pl.Expr) -> pl.Expr:
    """`char_counts` of the non-empty `pieces` joined by "\\n", null where `present` is not true; a piece
    is a String expression or a List[String] one (each of its texts is a piece, in order)."""
    named = [present.alias("present"), *(piece.alias(f"piece{i}") for i, piece in enumerate(pieces))]
    return pl.struct(named).map_batches(joined_counts_series, return_dtype=STRUCT, is_elementwise=True)
