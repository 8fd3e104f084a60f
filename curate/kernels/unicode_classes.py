r"""The character classes kernels count, as a table: one bit per class for every Unicode code point.

The table is filled by running each class's regex through Polars on every code point, so a kernel
looking up `table[cp] & BIT` agrees with `str.count_matches(class)` character for character, whatever
Unicode version Polars' regex engine carries. Building it takes ~0.25 CPU-s (the lowercase table ~0.15);
it is kept on disk under `$XDG_CACHE_HOME/winnow` (default ~/.cache/winnow), keyed by the Polars version
and the class definitions, and rebuilt whenever either changes (or silently kept in memory only when that
folder is not writable).

Kernels ask for the tables from Polars' worker threads, several at once: each table is built by one of
them while the others wait (a lock), not by each (a first run built the lowercase table four times).

The class patterns live here, and the checks import them (spans still use the regexes).
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl
import pyarrow as pa

# Scripts written without spaces between words: one character is one token / one "word".
CJK_CLASS: Final = r"\p{Han}\p{Hiragana}\p{Katakana}"
# Tokens for words and n-grams: each CJK character on its own, otherwise runs of letters/digits.
TOKEN_PATTERN: Final = rf"[{CJK_CLASS}]|[\p{{L}}\p{{N}}\p{{M}}--{CJK_CLASS}]+"
# Sentence punctuation is not special; ASCII %&*#@ are Unicode "punctuation" but count as special here.
SPECIAL_CLASS: Final = r"[^\p{L}\p{M}\p{N}\s.,!?;:'\"()\[\]\-，。！？；：、“”‘’（）《》【】…—·]"
SYMBOL_CLASS: Final = r"[\p{Extended_Pictographic}\p{So}\x{FE0F}]"
# Garbled text (see winnow.curation.checks.mojibake): characters that are a marker on their own (U+FFFD, private
# use, C0/C1 controls but tab/newline/carriage return), and the second characters of the two-character
# "Ã©" kind and the third of the three-character "â€™" kind (UTF-8 read as Latin-1/cp1252).
MOJIBAKE_ALONE_CLASS: Final = r"[\x{FFFD}\p{Co}\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
MOJIBAKE_AFTER_A_CLASS: Final = (
    r"[\x{80}-\x{BF}\x{A0}-\x{BF}©®¨ª«¬­¯°±²³´µ¶·¸¹º»¼½¾¿€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]"
)
MOJIBAKE_AFTER_EURO_CLASS: Final = r"[\x{80}-\x{BF}™œ˜¦¢“”\x{9D}]"
# GBK/MSVC artefacts of U+FFFD and of uninitialised memory
MOJIBAKE_TRIPLES: Final = ("锟斤拷", "烫烫烫", "屯屯屯")

# Characters whose runs are measured (see winnow.curation.checks.runs): printable ASCII without space, Latin-1
# letters, CJK punctuation, kana, full-width forms, and the interjections and onomatopoeia that floods in
# Chinese chat data are made of, plus Korean laughter.
RUN_RANGES: Final = ((0x21, 0x7E), (0xC0, 0xFF), (0x3001, 0x303F), (0x3040, 0x30FF), (0xFF01, 0xFF5E))
RUN_EXTRA: Final = (
    "啊哈呵嘿嗯哦呜嘻哎唉喔噢嘤额呃哇咯嘛呀吧呢哼嗷咳喂嗨哟哩嘞咦嘘嗒滴叮咚咕噜汪喵呼嘎哭笑赞顶ㅋㅎ"
)

# bit -> regex matching exactly one character of the class
CLASSES: Final = {
    "space": r"\s",
    "alnum": r"[\p{L}\p{M}\p{N}]",
    "digit": r"\p{Nd}",
    "special": SPECIAL_CLASS,
    "symbol": SYMBOL_CLASS,
    "cjk": rf"[{CJK_CLASS}]",
    "word": rf"[\p{{L}}\p{{N}}\p{{M}}--{CJK_CLASS}]",
    "mojibake_alone": MOJIBAKE_ALONE_CLASS,
    "mojibake_after_a": MOJIBAKE_AFTER_A_CLASS,
    "mojibake_after_euro": MOJIBAKE_AFTER_EURO_CLASS,
    "punct_symbol": r"[\p{P}\p{S}]",
    "by_character": r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]",
}
SPACE: Final = 1 << 0
ALNUM: Final = 1 << 1
DIGIT: Final = 1 << 2
SPECIAL: Final = 1 << 3
SYMBOL: Final = 1 << 4
CJK: Final = 1 << 5
WORD: Final = 1 << 6
RUN: Final = 1 << 7  # a run candidate (from RUN_RANGES / RUN_EXTRA, not a regex)
MOJIBAKE_ALONE: Final = 1 << 8
MOJIBAKE_AFTER_A: Final = 1 << 9
MOJIBAKE_AFTER_EURO: Final = 1 << 10
MOJIBAKE_START: Final = 1 << 11  # can start a marker: MOJIBAKE_ALONE, Â, Ã, â, or a triple's first character
PUNCT_SYMBOL: Final = (
    1 << 12
)  # \p{P} or \p{S} (left out of "normalized" text, winnow.curation.checks.sanity_text)
BY_CHARACTER: Final = (
    1 << 13
)  # a script dedup shingles by character (winnow.curation.dedup.normalize.CJK_PATTERN)
_BITS: Final = {
    "space": SPACE,
    "alnum": ALNUM,
    "digit": DIGIT,
    "special": SPECIAL,
    "symbol": SYMBOL,
    "cjk": CJK,
    "word": WORD,
    "mojibake_alone": MOJIBAKE_ALONE,
    "mojibake_after_a": MOJIBAKE_AFTER_A,
    "mojibake_after_euro": MOJIBAKE_AFTER_EURO,
    "punct_symbol": PUNCT_SYMBOL,
    "by_character": BY_CHARACTER,
}
CODE_POINTS: Final = 0x110000
TABLE_VERSION: Final = 3  # bump when a table builder changes (the disk cache is keyed by it)
CAPITAL_SIGMA: Final = 0x3A3  # its lowercase depends on the letters around it (σ, or ς ending a word)
DOTTED_CAPITAL_I: Final = 0x130  # the one character whose lowercase is two: i + U+0307


@functools.cache
def run_characters() -> tuple[str, ...]:
    """Every character whose runs are measured, sorted."""
    chars = {chr(c) for low, high in RUN_RANGES for c in range(low, high + 1)} | set(RUN_EXTRA)
    return tuple(sorted(chars))


def _digest() -> str:
    source = repr(
        (TABLE_VERSION, pl.__version__, sorted(CLASSES.items()), run_characters(), MOJIBAKE_TRIPLES)
    )
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()


def _cache_path(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "winnow" / f"{name}-{_digest()}.npy"


def _every_character() -> tuple[np.ndarray, pl.Series]:
    """Every code point but the surrogates, as numbers and as one-character strings (built from the
    UTF-8 bytes and offsets at once: a list of 1.1M one-character strings cost ~0.2 CPU-s)."""
    points = np.concatenate(
        [np.arange(0xD800, dtype=np.int64), np.arange(0xE000, CODE_POINTS, dtype=np.int64)]
    )
    data = points.astype("<u4").tobytes().decode("utf-32-le").encode("utf-8")
    lengths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)  # UTF-8 bytes per point
    offsets = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    array = pa.LargeStringArray.from_buffers(len(points), pa.py_buffer(offsets), pa.py_buffer(data))
    return points, pl.Series(array).cast(pl.String)


def build_class_table() -> np.ndarray:
    """uint16 per code point: the bits of the classes it belongs to (surrogates: none)."""
    points, characters = _every_character()
    table = np.zeros(CODE_POINTS, dtype=np.uint16)
    for name, bit in _BITS.items():
        member = characters.str.contains(CLASSES[name]).to_numpy()
        table[points[member]] |= bit
    table[[ord(c) for c in run_characters()]] |= RUN
    starts = [ord(c) for c in "ÂÃâ"] + [ord(t[0]) for t in MOJIBAKE_TRIPLES]
    table[starts] |= MOJIBAKE_START
    table[(table & MOJIBAKE_ALONE) != 0] |= MOJIBAKE_START
    return table


def build_lowercase_table() -> np.ndarray:
    """int32 per code point: its lowercase as Polars' `str.to_lowercase` gives it, for every character
    but DOTTED_CAPITAL_I (two characters: the table holds the first) and CAPITAL_SIGMA (context: the
    table holds σ; kernels leave texts with a Σ to the Polars expression)."""
    points, characters = _every_character()
    lowered = characters.str.to_lowercase()
    single = (lowered.str.len_chars() == 1).to_numpy()
    table = np.arange(CODE_POINTS, dtype=np.int32)
    # the single-character lowercases, joined and read back as UTF-32: their code points, in order
    joined = lowered.filter(single).str.join("").item()
    table[points[single]] = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4").astype(np.int32)
    table[DOTTED_CAPITAL_I] = ord("i")
    return table


def _cached(name: str, build: Callable[[], np.ndarray], dtype: type, *, longer: bool = False) -> np.ndarray:
    """`build()`'s table, from the disk cache when it holds this Polars version's (else built and stored).
    A table has one entry per code point (`longer`: at least that many, and more after them)."""
    path = _cache_path(name)
    try:
        table = np.load(path)
        fits = table.ndim == 1 and (len(table) > CODE_POINTS if longer else len(table) == CODE_POINTS)
        if fits and table.dtype == dtype:
            return table
    except (OSError, ValueError):
        pass
    table = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            np.save(handle, table)
        partial.replace(path)
    except OSError:
        pass  # a read-only home: the table lives in memory for this process only
    return table


def _built_once(build: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
    """`build`, cached in memory, built by one thread while the others wait (functools.cache alone lets
    every thread that asks before the first build ends build its own)."""
    lock = threading.Lock()
    cached = functools.cache(build)

    @functools.wraps(build)
    def once() -> np.ndarray:
        with lock:
            return cached()

    once.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return once


@_built_once
def class_table() -> np.ndarray:
    """The class bits of every code point (see build_class_table)."""
    return _cached("unicode-classes", build_class_table, np.uint16)


@_built_once
def lowercase_table() -> np.ndarray:
    """The lowercase of every code point (see build_lowercase_table)."""
    return _cached("unicode-lowercase", build_lowercase_table, np.int32)
