"""Per conversation: does a turn repeat the turn before it, compared "normalized" (lowercased, without
whitespace, punctuation or symbols, as winnow.curation.checks.sanity_text.normalized), with at least `min_chars`
normalized characters? One compiled pass over the message contents.

Answers per row: NO, YES, or UNDECIDED when a turn that decides it holds a Σ (its lowercase depends on
context; see winnow.curation.kernels.casefold): the check computes those rows with its Polars expression.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.curation.kernels.arrow_lists import list_buffers
from winnow.curation.kernels.casefold import NO, UNDECIDED, UNDECIDED_ROW, YES, equal, fold, fold_equals
from winnow.curation.kernels.compiled import compiled
from winnow.curation.kernels.unicode_classes import PUNCT_SYMBOL, SPACE, class_table, lowercase_table


@compiled
def _repeats(
    data: np.ndarray,
    offsets: np.ndarray,
    longest: int,
    string_valid: np.ndarray,
    list_offsets: np.ndarray,
    table: np.ndarray,
    lower: np.ndarray,
    min_chars: int,
    out: np.ndarray,
) -> None:
    previous = np.empty(longest + 1, dtype=np.int32)
    current = np.empty(longest + 1, dtype=np.int32)
    drop = SPACE | PUNCT_SYMBOL
    for row in range(len(list_offsets) - 1):
        answer = NO
        previous_len = -2  # -2: the previous turn is null (never equal); UNDECIDED: it holds a Σ
        for s in range(list_offsets[row], list_offsets[row + 1]):
            if not string_valid[s]:
                previous_len = -2
                continue
            comparable = s > list_offsets[row] and previous_len != -2
            if comparable and s == list_offsets[row + 1] - 1 and previous_len != UNDECIDED:
                # the last turn (usually the long reply) is only compared: stop at the first difference
                same = fold_equals(
                    data, offsets[s], offsets[s + 1], table, lower, drop, previous, previous_len
                )
                if same == UNDECIDED:
                    answer = UNDECIDED_ROW
                elif same and previous_len >= min_chars:
                    answer = YES
                break
            current_len = fold(data, offsets[s], offsets[s + 1], table, lower, drop, current)
            if comparable:
                if current_len == UNDECIDED or previous_len == UNDECIDED:
                    answer = UNDECIDED_ROW
                elif current_len >= min_chars and equal(previous, previous_len, current, current_len):
                    answer = YES
                    break
            previous, current = current, previous
            previous_len = current_len
        out[row] = answer


def repeated_turn_series(contents: pl.Series, *, min_chars: int) -> pl.Series:
    """NO / YES / UNDECIDED_ROW per conversation (UInt8); a null conversation is NO."""
    buffers = list_buffers(contents)
    strings = buffers.strings
    out = np.zeros(buffers.rows, dtype=np.uint8)
    _repeats(
        strings.data,
        strings.offsets,
        strings.longest,
        strings.valid_rows(),
        buffers.list_offsets,
        class_table(),
        lowercase_table(),
        min_chars,
        out,
    )
    return pl.Series(contents.name, out)
