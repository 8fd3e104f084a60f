"""wordfreq's "small" word lists as one lookup table: every word's frequency in every list, read from disk.

winnow.curation.language.words needs, for each distinct token of a batch, its frequency in the lists of the
candidate languages. Unpacking those lists into dicts (wordfreq.get_frequency_dict) costs ~0.3 CPU-s
per process for the ~26 lists of a Latin-script candidate set; this table holds the same numbers for all
42 lists, built once from get_frequency_dict itself and kept on disk (winnow.curation.language.tables):

    hashes     per row, the crc32 of a word's UTF-8 bytes, sorted: a token's candidate rows are one
               searchsorted away, and its bytes are compared with theirs, so a crc32 collision never
               confuses two words
    words      every word of any list, UTF-8, one after another
    word_starts, word_ends   per row, where its word lies in `words`
    starts     where each row's (list, frequency) entries start (one more entry: the end)
    lists      per entry, the list (index into `names`)
    freqs      per entry, the frequency, the float64 get_frequency_dict gives
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Final

import numpy as np

from winnow.curation.language.tables import Arrays, cached_arrays, pack_strings, unpack_strings
from winnow.curation.language.tokens import list_files

WORDLIST: Final = "small"
TABLE: Final = "wordfreq-small"  # its name on disk (winnow.curation.language.tables)
_KEYS: Final = ("names", "words", "word_starts", "word_ends", "hashes", "starts", "lists", "freqs")


@dataclass(frozen=True)
class WordTable:
    names: tuple[str, ...]
    words: bytes
    word_starts: np.ndarray
    word_ends: np.ndarray
    hashes: np.ndarray
    starts: np.ndarray
    lists: np.ndarray
    freqs: np.ndarray

    def frequencies(self, tokens: Sequence[str], names: Sequence[str]) -> np.ndarray:
        """tokens × names float64: each token's frequency in each named list, 0.0 where it is absent (a
        name may repeat: Afrikaans reads Dutch's list)."""
        distinct = list(dict.fromkeys(names))
        out = np.zeros((len(tokens), len(distinct)), dtype=np.float64)
        rows = self._rows(tokens)
        found = np.flatnonzero(rows >= 0)
        if found.size and distinct:
            column_of = np.full(len(self.names), -1, dtype=np.intp)
            column_of[[self.names.index(name) for name in distinct]] = np.arange(len(distinct))
            first, last = self.starts[rows[found]], self.starts[rows[found] + 1]
            counts = last - first
            token = np.repeat(found, counts)
            # entry indices first..last-1 of every found token, one flat array
            entry = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
            column = column_of[self.lists[entry]]
            wanted = column >= 0
            out[token[wanted], column[wanted]] = self.freqs[entry[wanted]]
        return np.ascontiguousarray(out[:, [distinct.index(name) for name in names]])

    def _rows(self, tokens: Sequence[str]) -> np.ndarray:
        """Each token's row in the table, -1 for a word no list has."""
        encoded = [token.encode("utf-8") for token in tokens]
        hashes = np.fromiter(map(zlib.crc32, encoded), dtype=np.uint32, count=len(encoded))
        low = np.searchsorted(self.hashes, hashes, side="left")
        high = np.searchsorted(self.hashes, hashes, side="right")
        rows = np.full(len(tokens), -1, dtype=np.intp)
        word_starts, word_ends, words = self.word_starts, self.word_ends, self.words
        candidates = np.flatnonzero(high > low)
        for i, first, last in zip(
            candidates.tolist(), low[candidates].tolist(), high[candidates].tolist(), strict=True
        ):
            for row in range(first, last):  # one row but for a crc32 collision
                if words[word_starts[row] : word_ends[row]] == encoded[i]:
                    rows[i] = row
                    break
        return rows


def word_sources() -> tuple[list[str], list[Path]]:
    """The lists the table holds (sorted) and their files, which its name on disk carries the digest of."""
    files = list_files(WORDLIST)
    names = sorted(files)
    return names, [files[name] for name in names]


@functools.cache
def word_table() -> WordTable:
    """The table of every small list wordfreq has (built once, then read from disk)."""
    names, sources = word_sources()
    arrays = cached_arrays(TABLE, sources, _KEYS, lambda: build_arrays(names))
    return WordTable(
        names=tuple(unpack_strings(arrays["names"])),
        words=arrays["words"].tobytes(),
        word_starts=arrays["word_starts"],
        word_ends=arrays["word_ends"],
        hashes=arrays["hashes"],
        starts=arrays["starts"],
        lists=arrays["lists"],
        freqs=arrays["freqs"],
    )


def build_arrays(names: Sequence[str]) -> Arrays:
    """The table's arrays from wordfreq's lists `names` (get_frequency_dict: the frequencies words.py read).
    Vectorised over the ~1.7M (word, list) entries: a first run builds it in about a second."""
    from wordfreq import get_frequency_dict  # only to build: ~0.1 CPU-s (winnow.curation.language.tokens)

    lists = [get_frequency_dict(name, WORDLIST) for name in names]
    encoded = [word.encode("utf-8") for words in lists for word in words]  # one per (word, list) entry
    total = len(encoded)
    crc = np.fromiter(map(zlib.crc32, encoded), dtype=np.uint32, count=total)
    list_of_entry = np.repeat(np.arange(len(lists), dtype=np.uint8), [len(words) for words in lists])
    freq_of_entry = np.fromiter(chain.from_iterable(w.values() for w in lists), dtype=np.float64, count=total)
    order = np.lexsort((list_of_entry, crc))  # by crc32, then list
    new_row = _word_starts_in_order(order, crc[order], encoded, list_of_entry)
    first_entry = order[new_row]  # one entry per row (distinct word): where its bytes are read
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=total)
    entry_starts = np.cumsum(lengths) - lengths  # in `words`: every entry's bytes, in entry order
    return {
        "names": pack_strings(names),
        "words": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "word_starts": entry_starts[first_entry],
        "word_ends": (entry_starts + lengths)[first_entry],
        "hashes": crc[first_entry],
        "starts": np.append(np.flatnonzero(new_row), total),
        "lists": list_of_entry[order],
        "freqs": freq_of_entry[order],
    }


def _word_starts_in_order(
    order: np.ndarray, sorted_crc: np.ndarray, encoded: list[bytes], list_of_entry: np.ndarray
) -> np.ndarray:
    """Where a new word starts in `order` (entries sorted by crc32): at every change of crc32, and inside
    the rare runs whose crc32 two words share, where the bytes change (those runs are put in byte order
    first, in place)."""
    new_row = np.ones(len(order), dtype=bool)
    same_crc = np.flatnonzero(sorted_crc[1:] == sorted_crc[:-1]) + 1
    new_row[same_crc] = False
    run_starts = np.flatnonzero(new_row)
    collided = {
        int(run_starts[np.searchsorted(run_starts, k, side="right") - 1])
        for k in same_crc.tolist()
        if encoded[order[k]] != encoded[order[k - 1]]
    }
    for start in sorted(collided):
        end = start + 1
        while end < len(order) and not new_row[end]:
            end += 1
        run = sorted(order[start:end].tolist(), key=lambda i: (encoded[i], int(list_of_entry[i])))
        order[start:end] = run
        for k in range(start + 1, end):
            new_row[k] = encoded[order[k]] != encoded[order[k - 1]]
    return new_row
