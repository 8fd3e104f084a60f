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
from typing import Final

import numpy as np

from winnow.curation.language.tables import Arrays, cached_arrays, pack_strings, unpack_strings
from winnow.curation.language.tokens import list_files

WORDLIST: Final = "small"
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


@functools.cache
def word_table() -> WordTable:
    """The table of every small list wordfreq has (built once, then read from disk)."""
    files = list_files(WORDLIST)
    names = sorted(files)
    sources = [files[name] for name in names]
    arrays = cached_arrays("wordfreq-small", sources, _KEYS, lambda: build_arrays(names))
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
    """The table's arrays from wordfreq's lists `names` (get_frequency_dict: the frequencies words.py read)."""
    from wordfreq import get_frequency_dict  # only to build: ~0.1 CPU-s (winnow.curation.language.tokens)

    lists = [get_frequency_dict(name, WORDLIST) for name in names]
    total = sum(len(words) for words in lists)
    distinct = list(dict.fromkeys(chain.from_iterable(lists)))  # every word, in first-seen order (its id)
    index = {word: i for i, word in enumerate(distinct)}
    word_of_entry = np.fromiter(
        map(index.__getitem__, chain.from_iterable(lists)), dtype=np.int64, count=total
    )
    encoded = [word.encode("utf-8") for word in distinct]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    crc = np.fromiter(map(zlib.crc32, encoded), dtype=np.uint32, count=len(encoded))
    # rows: words ordered by crc32 (ties by id: the lookup reads every word of a crc32, so their order is free)
    word_order = np.lexsort((np.arange(len(encoded)), crc))
    row_of_word = np.empty(len(encoded), dtype=np.int64)
    row_of_word[word_order] = np.arange(len(encoded))
    list_of_entry = np.repeat(np.arange(len(lists), dtype=np.uint8), [len(words) for words in lists])
    freq_of_entry = np.fromiter((f for words in lists for f in words.values()), dtype=np.float64, count=total)
    entry_order = np.lexsort((list_of_entry, row_of_word[word_of_entry]))  # a row's entries together
    word_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])  # in `words`, which is in id order
    return {
        "names": pack_strings(names),
        "words": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "word_starts": word_starts[word_order],
        "word_ends": (word_starts + lengths)[word_order],
        "hashes": crc[word_order],
        "starts": np.concatenate(
            [[0], np.cumsum(np.bincount(row_of_word[word_of_entry], minlength=len(encoded)))]
        ),
        "lists": list_of_entry[entry_order],
        "freqs": freq_of_entry[entry_order],
    }
