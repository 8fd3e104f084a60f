"""Per-text sums over a batch of texts, shared by the two scorers (n-grams of words, words of texts).

Texts repeat their items (words, tokens), so each distinct item is looked up once (`index_items`) and a
text's score is the sum of its items' rows, in text order (`segment_sums`): numpy reduceat over contiguous
segments, so the same text gives the same bits in any batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import numpy as np

# Rows gathered at once when summing (rows × columns): bounds a batch's memory.
GATHER_ROWS: Final = 1 << 18


def index_items(
    texts: Sequence[str], split: Callable[[str], Sequence[str]]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(distinct items in first-seen order, every text's items as indices into them, flat in text order,
    items per text)."""
    index: dict[str, int] = {}
    occurrences: list[int] = []
    per_text = np.zeros(len(texts), dtype=np.int64)
    for t, text in enumerate(texts):
        items = split(text)
        per_text[t] = len(items)
        occurrences.extend(index.setdefault(item, len(index)) for item in items)
    return list(index), np.array(occurrences, dtype=np.intp), per_text


def segment_sums(values: np.ndarray, rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per segment (consecutive `lengths` entries of `rows`), the float64 sum of `values[rows]`; segments
    must be non-empty. Gathered in slices of whole segments so memory stays bounded."""
    out = np.zeros((len(lengths), *values.shape[1:]), dtype=np.float64)
    ends = np.cumsum(lengths)
    first = 0
    while first < len(lengths):
        start = int(ends[first] - lengths[first])
        # whole segments up to GATHER_ROWS rows (at least one segment, however long)
        last = max(first + 1, int(np.searchsorted(ends, start + GATHER_ROWS, side="right")))
        stop = int(ends[last - 1])
        gathered = values[rows[start:stop]]
        offsets = (ends[first:last] - lengths[first:last]) - start
        out[first:last] = np.add.reduceat(gathered, offsets, axis=0, dtype=np.float64)
        first = last
    return out
