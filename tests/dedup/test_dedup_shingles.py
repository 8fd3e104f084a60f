"""Shingles by script per row: word n-grams for space-delimited text, character n-grams for CJK."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import curate.dedup.signing as signing
from curate.dedup.config import NearConfig
from curate.dedup.near import near_texts
from curate.dedup.normalize import normalized
from curate.dedup.shingles import (
    ShingleSpec,
    ngram_codes,
    prepared,
    python_shingles,
    script_tokens,
    shingle_frame,
)


def _shingles(texts: list[str | None], spec: ShingleSpec) -> dict[int, set[str]]:
    frame = shingle_frame(pl.Series(texts, dtype=pl.String), spec)
    return {doc: set(group["shingle"]) for (doc,), group in frame.group_by("doc")}


def test_cjk_rows_are_shingled_by_character_and_english_by_word() -> None:
    got = _shingles(["你好 世界测试", "the cat sat on the mat"], ShingleSpec(word_ngram=2, char_ngram=2))
    assert got[0] == {"你好", "好世", "世界", "界测", "测试"}
    assert got[1] == {"the cat", "cat sat", "sat on", "on the", "the mat"}


def test_script_is_chosen_per_row_by_cjk_share() -> None:
    texts = pl.Series(["日本語のテキストです with some words", "mostly english 中文", "한국어 문장 입니다"])
    assert prepared(texts, ShingleSpec())["is_cjk"].to_list() == [True, False, True]


def test_short_rows_give_one_shingle_and_empty_rows_none() -> None:
    got = _shingles(["a b", "", None, "你"], ShingleSpec(word_ngram=3, char_ngram=3))
    assert got == {0: {"a b"}, 3: {"你"}}


def test_polars_shingles_equal_python_reference() -> None:
    raw = [
        "Hello,   World! This is  a TEST of shingles.",
        "你好，世界。这是一个测试。",
        "ＡＢＣ　ｄｅｆ ghi jkl",
        "x",
    ]
    texts = near_texts(pl.Series(raw), NearConfig())
    spec = ShingleSpec()
    got = _shingles(texts.to_list(), spec)
    for row in prepared(texts, spec).iter_rows(named=True):
        assert got.get(row["doc"], set()) == python_shingles(row["text"], row["is_cjk"], spec)
    assert texts.to_list()[2] == "abc def ghi jkl"  # NFKC folds full-width letters and spaces


def test_ngram_codes_give_the_shingle_strings_en_zh_and_short_rows() -> None:
    texts = pl.Series(["the cat sat on the cat sat", "a b", "你好世界你好世", "你", "x y z"])
    spec = ShingleSpec(word_ngram=3, char_ngram=3)
    got: dict[int, list[str]] = {}
    for tokens, n, separator in script_tokens(texts, spec):
        codes = ngram_codes(tokens, n, separator)
        assert codes is not None
        strings = codes.strings(codes.occurrences["code"])
        for doc, shingle in zip(codes.occurrences["doc"].to_list(), strings.to_list(), strict=True):
            got.setdefault(doc, []).append(shingle)
    assert got == {
        0: ["the cat sat", "cat sat on", "sat on the", "on the cat", "the cat sat"],  # every occurrence
        1: ["a b"],  # shorter than n: one shingle of all its tokens
        2: ["你好世", "好世界", "世界你", "界你好", "你好世"],
        3: ["你"],
        4: ["x y z"],
    }


def test_hashes_from_codes_equal_hashes_from_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = ["Hello, World! This is a test of shingles.", "你好，世界。这是一个测试。", "a b", "", None, "x"]
    texts = near_texts(pl.Series(raw, dtype=pl.String), NearConfig())
    spec = ShingleSpec()
    hashes, offsets = signing.shingle_hashes(texts, spec)
    monkeypatch.setattr(signing, "ngram_codes", lambda *_: None)  # as if the vocabulary were too large
    by_strings, string_offsets = signing.shingle_hashes(texts, spec)
    assert np.array_equal(offsets, string_offsets)
    assert offsets.tolist() == [0, 6, 14, 15, 15, 15, 16]  # 6 word 3-grams, 8 character 3-grams
    for i in range(len(raw)):
        lo, hi = offsets[i], offsets[i + 1]
        assert sorted(hashes[lo:hi].tolist()) == sorted(by_strings[lo:hi].tolist())


def test_normalized_key_is_nfkc_lowercase_whitespace_collapsed() -> None:
    frame = pl.DataFrame({"t": ["  Ｈｅｌｌｏ\n\tWorld, ok ", "a.b", "   "]})
    plain = frame.select(normalized(pl.col("t")))["t"].to_list()
    blind = frame.select(normalized(pl.col("t"), punctuation_blind=True))["t"].to_list()
    assert plain == ["hello world, ok", "a.b", None]
    assert blind == ["hello world ok", "a b", None]
