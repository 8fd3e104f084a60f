"""The class table: bits as the class regexes say, and its disk cache."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from winnow.curation.kernels import unicode_classes as uc


def test_bits_of_sample_characters() -> None:
    table = uc.class_table()
    assert table.shape == (uc.CODE_POINTS,)
    assert table[ord(" ")] == uc.SPACE  # not a run candidate: whitespace runs are indentation
    assert table[ord("a")] == uc.ALNUM | uc.WORD | uc.RUN
    assert table[ord("7")] == uc.ALNUM | uc.DIGIT | uc.WORD | uc.RUN
    assert table[ord("中")] == uc.ALNUM | uc.CJK | uc.BY_CHARACTER
    assert table[ord("啊")] == uc.ALNUM | uc.CJK | uc.RUN | uc.BY_CHARACTER
    # Hangul: a word script, shingled by character
    assert table[ord("한")] == uc.ALNUM | uc.WORD | uc.BY_CHARACTER
    assert table[ord("$")] == uc.SPECIAL | uc.RUN | uc.PUNCT_SYMBOL
    assert table[ord("，")] == uc.RUN | uc.PUNCT_SYMBOL  # full-width comma: sentence punctuation, not special
    assert table[ord("😀")] == uc.SPECIAL | uc.SYMBOL | uc.PUNCT_SYMBOL
    # U+FFFD is a symbol and a garbled-text marker; Â only starts one ("Ã©")
    assert table[0xFFFD] == uc.SPECIAL | uc.SYMBOL | uc.PUNCT_SYMBOL | uc.MOJIBAKE_ALONE | uc.MOJIBAKE_START
    assert table[ord("Â")] == uc.ALNUM | uc.WORD | uc.RUN | uc.MOJIBAKE_START
    assert table[0x3000] == uc.SPACE  # the ideographic space is not in the covered CJK punctuation


def test_lowercase_table() -> None:
    lower = uc.lowercase_table()
    assert [chr(lower[ord(c)]) for c in "AzÉΣЖ中1"] == list("azéσж中1")
    assert lower[uc.DOTTED_CAPITAL_I] == ord("i")  # its second character (U+0307) is added by the kernels


def test_table_is_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    uc.class_table.cache_clear()
    try:
        first = uc.class_table()
        stored = list((tmp_path / "winnow").glob("unicode-classes-*.npy"))
        assert len(stored) == 1
        uc.class_table.cache_clear()
        assert np.array_equal(uc.class_table(), first)
    finally:
        uc.class_table.cache_clear()


def test_every_character_is_its_code_point() -> None:
    points, characters = uc._every_character()
    assert len(points) == len(characters) == uc.CODE_POINTS - 0x800  # all but the 2,048 surrogates
    for index in (
        0,
        0x7F,
        0x80,
        0x7FF,
        0x800,
        0xD7FF,
        0xD800,
        0xFFFF - 0x800,
        0x10000 - 0x800,
        len(points) - 1,
    ):
        assert characters[index] == chr(int(points[index]))
    assert points[0xD800] == 0xE000  # the surrogates are left out, nothing else


def test_threads_asking_at_once_build_a_table_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # kernels ask from Polars' worker threads; a first run once built the lowercase table in four of them
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    builds: list[str] = []
    build = uc.build_lowercase_table

    def counted() -> np.ndarray:
        builds.append(threading.current_thread().name)
        return build()

    monkeypatch.setattr(uc, "build_lowercase_table", counted)
    uc.lowercase_table.cache_clear()
    start = threading.Barrier(4)
    tables: list[np.ndarray] = []

    def ask() -> None:
        start.wait()
        tables.append(uc.lowercase_table())

    threads = [threading.Thread(target=ask) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(builds) == 1
        assert len(tables) == 4
        assert all(table is tables[0] for table in tables)
    finally:
        uc.lowercase_table.cache_clear()
