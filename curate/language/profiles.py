"""langdetect's own model, read once into arrays: its n-gram profiles and its text normalisation.

langdetect (Shuyo's language-detection port) ships one JSON profile per language: the frequency of every
1-, 2- and 3-gram of characters it kept from Wikipedia, and the number of n-grams of each length. Its
detector scores P(gram | language) = freq / n_words[len - 1], smoothed by adding alpha / BASE_FREQ
(0.5 / 10000). Here the whole table is one float32 matrix, row = n-gram, column = profile, holding
log(1 + P / smoothing): the naive Bayes log-likelihood minus the constant every language shares for an
unknown n-gram, so a gram no profile knows adds exactly 0 and sums stay non-negative.

Normalisation is langdetect's NGram.normalize (punctuation and digits → space, every kana → one
representative, Han characters → the representative of their class, Hangul → one syllable, …), applied with
one str.translate table built from NGram.normalize itself over the Basic Multilingual Plane (no block it
changes lies outside it). Text preparation follows Detector.append and Detector.cleaning_text exactly,
including its quirk: every character from U+0300 up counts as non-Latin (its test for "Latin Extended
Additional" compares a block number to a name, so it never matches).

N-grams are taken per word: langdetect's sliding window restarts at every space, so a text's n-grams are
the union of its words' n-grams (the word padded with a space each side; the last word of a text that does
not end in a space has no trailing gram). A gram ending on an uppercase letter that follows another one is
skipped (langdetect's `capitalword`: acronyms say nothing of the language).
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.utils import ngram as ngram_module
from langdetect.utils import unicode_block as ub
from langdetect.utils.ngram import NGram

from winnow.curation.language.tables import cached_arrays, pack_strings, unpack_strings

ALPHA: Final = Detector.ALPHA_DEFAULT  # 0.5
BASE_FREQ: Final = Detector.BASE_FREQ  # 10000
MAX_TEXT_LENGTH: Final = 10000  # Detector.max_text_length
# the names of the tables stored on disk (winnow.curation.language.tables)
PROFILES_TABLE: Final = "profiles"
NORMALIZE_TABLE: Final = "normalize"
OPEN_END: Final = "\x00"  # marks a text's last word when no space follows it (normalised text has no NUL)

_LATIN_RE: Final = re.compile(r"[A-z]+")  # langdetect's 'A' <= ch <= 'z' (includes [ \ ] ^ _ `)
_NON_LATIN_RE: Final = re.compile("[\u0300-\U0010ffff]+")


@dataclass(frozen=True)
class Profiles:
    """langdetect's profiles as arrays: `names` (profile names, sorted), `vocab` (n-gram → row) and
    `weights` (rows × profiles, float32, log(1 + P(gram | profile) · BASE_FREQ / ALPHA))."""

    names: tuple[str, ...]
    vocab: dict[str, int]
    weights: np.ndarray


def profile_sources(directory: str = PROFILES_DIRECTORY) -> list[Path]:
    """The files the profiles table is built from (its name on disk carries their digest)."""
    return [Path(directory, name) for name in sorted(os.listdir(directory))]


def normalize_sources() -> list[Path]:
    """The code that normalises (langdetect's NGram and its Unicode blocks): the normalize table's sources."""
    return [Path(ngram_module.__file__ or ""), Path(ub.__file__ or "")]


@functools.cache
def load_profiles(directory: str = PROFILES_DIRECTORY) -> Profiles:
    """Every profile in langdetect's profile directory, in one table (about 88,000 n-grams × 55): built by
    build_profiles once, then read from its prebuilt copy on disk (winnow.curation.language.tables)."""
    sources = profile_sources(directory)
    try:
        arrays = cached_arrays(
            PROFILES_TABLE,
            sources,
            ("names", "grams", "weights"),
            lambda: _profile_arrays(build_profiles(directory)),
        )
    except ValueError:  # a gram holding NUL cannot be packed: keep the table in memory
        return build_profiles(directory)
    grams = unpack_strings(arrays["grams"])
    return Profiles(
        names=tuple(unpack_strings(arrays["names"])),
        vocab=dict(zip(grams, range(len(grams)), strict=True)),
        weights=arrays["weights"],
    )


def _profile_arrays(profiles: Profiles) -> dict[str, np.ndarray]:
    return {
        "names": pack_strings(profiles.names),
        "grams": pack_strings(list(profiles.vocab)),  # in row order: vocab maps each gram to its row
        "weights": profiles.weights,
    }


def build_profiles(directory: str = PROFILES_DIRECTORY) -> Profiles:
    """The profiles read from langdetect's JSON files."""
    names = tuple(sorted(os.listdir(directory)))
    vocab: dict[str, int] = {}
    columns: list[tuple[np.ndarray, np.ndarray]] = []  # per profile: (rows, P(gram | profile))
    for name in names:
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            profile = json.load(handle)
        freq: dict[str, int] = profile["freq"]
        grams = [gram for gram in freq if 1 <= len(gram) <= 3]
        count = len(grams)
        rows = np.fromiter((vocab.setdefault(gram, len(vocab)) for gram in grams), np.intp, count)
        lengths = np.fromiter(map(len, grams), np.intp, count)
        freqs = np.fromiter((freq[gram] for gram in grams), np.float64, count)
        columns.append((rows, freqs / np.asarray(profile["n_words"], dtype=np.float64)[lengths - 1]))
    probs = np.zeros((len(vocab), len(names)), dtype=np.float64)
    for column, (rows, column_probs) in enumerate(columns):
        probs[rows, column] = column_probs
    smoothing = ALPHA / BASE_FREQ
    return Profiles(names=names, vocab=vocab, weights=np.log1p(probs / smoothing).astype(np.float32))


# Unicode blocks (langdetect's numbering) in which NGram.normalize changes characters.
_NORMALIZED_BLOCKS: Final = frozenset(
    {
        ub.UNICODE_BASIC_LATIN,
        ub.UNICODE_LATIN_1_SUPPLEMENT,
        ub.UNICODE_LATIN_EXTENDED_B,
        ub.UNICODE_GENERAL_PUNCTUATION,
        ub.UNICODE_ARABIC,
        ub.UNICODE_LATIN_EXTENDED_ADDITIONAL,
        ub.UNICODE_HIRAGANA,
        ub.UNICODE_KATAKANA,
        ub.UNICODE_BOPOMOFO,
        ub.UNICODE_BOPOMOFO_EXTENDED,
        ub.UNICODE_HANGUL_SYLLABLES,
    }
)


@functools.cache
def normalize_table() -> dict[int, str]:
    """str.translate table equal to langdetect's NGram.normalize on every character (unchanged ones left
    out): built by build_normalize_table once, then read from its prebuilt copy on disk."""
    try:
        arrays = cached_arrays(NORMALIZE_TABLE, normalize_sources(), ("codes", "normals"), _normalize_arrays)
    except ValueError:  # a character normalised to more than one: keep the table in memory
        return build_normalize_table()
    return dict(zip(arrays["codes"].tolist(), map(chr, arrays["normals"].tolist()), strict=True))


def _normalize_arrays() -> dict[str, np.ndarray]:
    table = build_normalize_table()
    if any(len(normal) != 1 for normal in table.values()):
        raise ValueError("NGram.normalize gave more than one character")  # not this langdetect: never cached
    return {
        "codes": np.array(list(table), dtype=np.int32),
        "normals": np.array([ord(normal) for normal in table.values()], dtype=np.int32),
    }


def build_normalize_table() -> dict[int, str]:
    """NGram.normalize itself over the blocks it touches, and its CJK class map for Han characters
    (tests/language/test_language_profiles.py checks the whole Basic Multilingual Plane)."""
    table: dict[int, str] = {}
    for block, start, end in ub._unicode_blocks:
        if block in _NORMALIZED_BLOCKS:
            for code in range(start, end + 1):
                normal = NGram.normalize(chr(code))
                if normal != chr(code):
                    table[code] = normal
    table.update({ord(han): normal for han, normal in NGram.CJK_MAP.items() if han != normal})
    return table


def prepare(text: str) -> str:
    """The text as langdetect's Detector sees it after append() and cleaning_text(), normalised."""
    # the guards skip regex passes that cannot match (most texts have no URL, no e-mail, no combining mark)
    if "http" in text:
        text = Detector.URL_RE.sub(" ", text)
    if "@" in text:
        text = Detector.MAIL_RE.sub(" ", text)
    if not text.isascii():
        text = NGram.normalize_vi(text)
    text = text[:MAX_TEXT_LENGTH]
    if not text.isascii():
        latin = len(text) - len(_LATIN_RE.sub("", text))
        if latin * 2 < len(text) - len(_NON_LATIN_RE.sub("", text)):
            text = _LATIN_RE.sub("", text)  # mostly non-Latin: the Latin letters are names and code
    return text.translate(normalize_table())


def word_keys(text: str) -> list[str]:
    """The words of a text as langdetect reads them; the last one carries OPEN_END when no space follows."""
    normal = prepare(text)
    words = [word for word in normal.split(" ") if word]
    if words and not normal.endswith(" "):
        words[-1] += OPEN_END
    return words


def word_grams(key: str, vocab: dict[str, int]) -> list[int]:
    """Rows of the known n-grams of one word key, in langdetect's order."""
    closed = not key.endswith(OPEN_END)
    word = key if closed else key[:-1]
    padded = " " + word + (" " if closed else "")
    rows: list[int] = []
    for end in range(1, len(padded)):
        if padded[end].isupper() and padded[end - 1].isupper():
            continue  # langdetect's capitalword: inside an all-caps run
        for n in (1, 2, 3):
            start = end + 1 - n
            if start < 0:
                break
            row = vocab.get(padded[start : end + 1])
            if row is not None:
                rows.append(row)
    return rows
