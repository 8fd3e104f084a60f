"""What NFKC and then lower case make of every code point, as a table a kernel reads.

    table = fold_table()      # int32 per code point: its one code point, COMPLEX, or MANY - (where its list is)

Entry `cp` is the code points of `str.normalize("NFKC").str.to_lowercase()` of the one-character string
`chr(cp)`, computed by Polars itself (so a kernel agrees with the expression whatever Unicode version Polars
carries), or -1 when the character's result depends on its neighbours, where a kernel must leave the text
to the expression:

- combining marks and the characters a canonical composition can attach to what precedes them (both are
  marks: in Unicode 14 every second character of a two-character canonical decomposition is one, and a
  character added later that decomposes is excluded from composition), and the Hangul jamo (composed into
  syllables by rule, not by a table);
- a capital sigma in the NFKC result (its lowercase is ς at the end of a word, σ elsewhere);
- a result holding any of the above; a code point unassigned in Polars' regex data (its normalization data
  may be of another Unicode version: characters new to one of them are not trusted; a combining class, once
  given, never changes, and every character with one is a mark).

Every other character is a starter that no neighbour composes with, so NFKC of a text made of them is the
characters' NFKC results one after another, and lower case is per character. The table (~4.5 MB) is built in
~0.3 CPU-s and kept on disk beside the class tables (winnow.curation.kernels.unicode_classes), keyed by the
Polars version.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from winnow.curation.kernels.unicode_classes import (
    CODE_POINTS,
    _built_once,
    _cache_path,
    _cached,
    _every_character,
)

COMPLEX: Final = -1
MANY: Final = -2  # table[cp] = MANY - i: the result is table[i + 1 : i + 1 + table[i]] (i past the header)
CAPITAL_SIGMA: Final = "\u03a3"
HANGUL_JAMO: Final = (
    (0x1100, 0x11FF),
    (0x3130, 0x318F),
    (0xA960, 0xA97F),
    (0xD7B0, 0xD7FF),
    (0xFFA0, 0xFFDC),
)


def _context_dependent(points: np.ndarray, characters: pl.Series) -> np.ndarray:
    """Per code point: a mark or unassigned (in Polars' Unicode data), or a Hangul jamo."""
    out = np.zeros(CODE_POINTS, dtype=np.bool_)
    out[points[characters.str.contains(r"[\p{M}\p{Cn}]").to_numpy()]] = True
    for low, high in HANGUL_JAMO:
        out[low : high + 1] = True
    return out


def build_fold_table() -> np.ndarray:
    """The table (see the module's docstring): CODE_POINTS entries, then the entries' code point lists."""
    points, characters = _every_character()
    nfkc = characters.str.normalize("NFKC")
    folded = nfkc.str.to_lowercase()
    lengths = folded.str.len_chars().to_numpy().astype(np.int64)
    # every result's code points in order, read back from one joined string as UTF-32
    flat = np.frombuffer(folded.str.join("").item().encode("utf-32-le"), dtype="<u4").astype(np.int64)
    owner = np.repeat(np.arange(len(points)), lengths)
    context = _context_dependent(points, characters)
    bad = context[points] | nfkc.str.contains(CAPITAL_SIGMA, literal=True).to_numpy()
    bad |= np.bincount(owner, weights=context[flat], minlength=len(points)) > 0  # a result holding one
    bad |= lengths == 0
    # one code point: itself; more: a count and the code points after the header, pointed at by MANY - index
    single = lengths == 1
    many = ~single & ~bad
    extra = np.where(many, lengths + 1, 0)
    starts = CODE_POINTS + np.cumsum(extra) - extra
    table = np.full(CODE_POINTS + int(extra.sum()), COMPLEX, dtype=np.int32)
    first = np.cumsum(lengths) - lengths  # each result's first index in flat
    table[points[single]] = flat[first[single]]
    table[points[many]] = MANY - starts[many]
    table[starts[many]] = lengths[many]
    spread = np.repeat(starts[many] + 1 - first[many], lengths[many])  # flat index -> table index
    table[np.flatnonzero(np.repeat(many, lengths)) + spread] = flat[np.repeat(many, lengths)]
    table[points[bad]] = COMPLEX
    return table


TABLE_NAME: Final = "unicode-fold"


@_built_once
def fold_table() -> np.ndarray:
    """The table of this Polars version (see build_fold_table)."""
    return _cached(TABLE_NAME, build_fold_table, np.int32, longer=True)


def fold_table_on_disk() -> bool:
    """Whether a run reads the table from disk instead of building it (the background job builds it)."""
    return _cache_path(TABLE_NAME).is_file()
