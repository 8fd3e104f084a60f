"""Shingles by script per row: word n-grams for space-delimited text, character n-grams for CJK; the
compiled passes that cut and hash them for signing (mix64, the default, and SHA-1) give the same shingles,
hashed as the plain-Python definitions hash them."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import polars as pl
import pytest

import winnow.curation.dedup.signing as signing
from tests.conftest import shared_path
from winnow.curation.dedup.config import NearConfig
from winnow.curation.dedup.minhash import sha1_hashes64
from winnow.curation.dedup.near import near_texts
from winnow.curation.dedup.normalize import normalized
from winnow.curation.dedup.shingle_kernel import _sha1_prefix
from winnow.curation.dedup.shingle_mix import python_mix64
from winnow.curation.dedup.shingles import ShingleSpec, prepared, python_shingles, shingle_frame


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


HASHES = ["mix64", "sha1"]


def _hashed_python_shingles(texts: pl.Series, spec: ShingleSpec) -> list[list[int]]:
    """Per text, the sorted hashes of its shingle occurrences, from shingle_frame's strings: SHA-1 of the
    string, or mix64 of its tokens (the words between its spaces, or its characters when shingled by CJK
    character)."""
    frame = shingle_frame(texts, spec)
    shingles = frame["shingle"].to_list()
    if spec.hash == "sha1":
        hashes = sha1_hashes64(shingles).tolist()
    else:
        by_char = prepared(texts, spec)["is_cjk"].to_list()
        hashes = [
            python_mix64(list(shingle) if by_char[doc] else shingle.split(" "))
            for doc, shingle in zip(frame["doc"].to_list(), shingles, strict=True)
        ]
    per_doc: list[list[int]] = [[] for _ in range(len(texts))]
    for doc, value in zip(frame["doc"].to_list(), hashes, strict=True):
        per_doc[doc].append(value)
    return [sorted(values) for values in per_doc]


def _kernel(texts: pl.Series, spec: ShingleSpec) -> list[list[int]]:
    hashes, offsets = signing.shingle_hashes(texts, spec)
    assert len(offsets) == len(texts) + 1
    return [sorted(hashes[offsets[i] : offsets[i + 1]].tolist()) for i in range(len(texts))]


def test_kernel_hashes_every_shingle_occurrence_en_zh_and_short_rows() -> None:
    texts = pl.Series(["the cat sat on the cat sat", "a b", "你好世界你好世", "你", "x y z", "", None])
    spec = ShingleSpec(word_ngram=3, char_ngram=3, hash="sha1")
    expected = {
        0: ["the cat sat", "cat sat on", "sat on the", "on the cat", "the cat sat"],  # every occurrence
        1: ["a b"],  # shorter than n: one shingle of all its tokens
        2: ["你好世", "好世界", "世界你", "界你好", "你好世"],
        3: ["你"],
        4: ["x y z"],
    }
    got = _kernel(texts, spec)
    for doc in range(len(texts)):
        assert got[doc] == sorted(sha1_hashes64(expected.get(doc, [])).tolist()), doc
    mixed = _kernel(texts, ShingleSpec(word_ngram=3, char_ngram=3))  # mix64: the same occurrences
    for doc in range(len(texts)):
        tokens = [list(s) if doc in (2, 3) else s.split(" ") for s in expected.get(doc, [])]
        assert mixed[doc] == sorted(python_mix64(t) for t in tokens), doc
    assert mixed[0].count(python_mix64(["the", "cat", "sat"])) == 2


def test_mix64_tells_apart_what_sha1_tells_apart() -> None:
    """Token order, token boundaries and repeated tokens change the hash (no CJK character 3-gram is a
    word 3-gram: the two scripts never share a document)."""
    variants = [["a", "b", "c"], ["c", "b", "a"], ["ab", "c"], ["a", "bc"], ["abc"], ["a", "b", "c", "c"]]
    variants += [["a", "", "b"], ["", "a", "b"], ["a" * 8], ["a" * 8, ""], ["a" * 7], ["a" * 7 + "\x00"]]
    assert len({python_mix64(v) for v in variants}) == len(variants)


@pytest.mark.parametrize("hash_name", HASHES)
def test_kernel_hashes_equal_the_polars_shingles_hashed_in_python_on_real_rows(hash_name: str) -> None:
    rows = json.loads(shared_path("llama_factory_demo", "alpaca_zh_demo.json").read_text("utf-8"))[:40]
    rows += json.loads(shared_path("llama_factory_demo", "alpaca_en_demo.json").read_text("utf-8"))[:40]
    real = near_texts(
        pl.Series([f"{r['instruction']} {r['input']} {r['output']}" for r in rows]), NearConfig()
    )
    spec = ShingleSpec(hash=hash_name)
    assert sum(prepared(real, spec)["is_cjk"]) == 40
    assert _kernel(real, spec) == _hashed_python_shingles(real, spec)
    by_char = ShingleSpec(word_ngram=2, char_ngram=4, cjk_share=0.0, hash=hash_name)  # every row by character
    assert _kernel(real, by_char) == _hashed_python_shingles(real, by_char)


@pytest.mark.parametrize("hash_name", HASHES)
def test_kernel_hashes_equal_the_polars_shingles_on_odd_texts(hash_name: str) -> None:
    """Texts that are not normalized (the kernel cuts what str.split gives): double, leading and trailing
    spaces (empty word tokens), spaces inside CJK text, an all-space CJK text, combining marks, 4-byte
    characters, shingles longer than one and two SHA-1 blocks (55 and 119 bytes of message), tokens of
    7, 8, 9 and 16 bytes (mix64 reads eight at a time)."""
    odd = [
        "a  b c",
        " a b ",
        "  ",
        "你 好  世界",
        " 你 ",
        "e\u0301 x\u0301 y",
        "😀 🎉 漢字 𠜎𠜱𠝹",
        "𠜎𠜱 𠝹𠱓",
        " ".join(["w" * 20, "x" * 20, "y" * 16]),  # a 58-byte shingle: two blocks
        " ".join(["w" * 40, "x" * 40, "y" * 40]),  # 122 bytes: three blocks
        "z" * 54 + " a b",
        "z" * 55 + " a",
        "z" * 56,
        "é" * 60,
        "abcdefg abcdefgh abcdefghi abcdefghabcdefgh",
    ]
    texts = pl.Series(odd, dtype=pl.String)
    specs = (ShingleSpec(), ShingleSpec(word_ngram=2, char_ngram=5), ShingleSpec(cjk_share=0.0))
    for spec in (dataclasses.replace(s, hash=hash_name) for s in specs):
        assert _kernel(texts, spec) == _hashed_python_shingles(texts, spec)


@pytest.mark.parametrize("length", [*range(130), 1000])
def test_kernel_sha1_equals_hashlib_at_every_block_boundary(length: int) -> None:
    data = np.frombuffer(bytes((7 * i + length) % 256 for i in range(length + 3)), dtype=np.uint8).copy()
    scratch = np.empty(80, dtype=np.int64)
    digest = hashlib.sha1(data[2 : 2 + length].tobytes()).digest()
    assert int(_sha1_prefix(data, 2, 2 + length, scratch)) == int.from_bytes(digest[:8], "little")


def test_normalized_key_is_nfkc_lowercase_whitespace_collapsed() -> None:
    frame = pl.DataFrame({"t": ["  Ｈｅｌｌｏ\n\tWorld, ok ", "a.b", "   "]})
    plain = frame.select(normalized(pl.col("t")))["t"].to_list()
    blind = frame.select(normalized(pl.col("t"), punctuation_blind=True))["t"].to_list()
    assert plain == ["hello world, ok", "a.b", None]
    assert blind == ["hello world ok", "a b", None]
