"""The class table: bits as the class regexes say, and its disk cache."""

from __future__ import annotations

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
    assert table[ord("中")] == uc.ALNUM | uc.CJK
    assert table[ord("啊")] == uc.ALNUM | uc.CJK | uc.RUN
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
