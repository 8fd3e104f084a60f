"""The compiled script choice equals `cjk_share(text) >= threshold` on every code point, long and mixed
texts, and real rows in many scripts."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.dedup.normalize import cjk_share
from winnow.curation.dedup.script_kernel import by_character
from winnow.curation.kernels.unicode_classes import _every_character


def _assert_same(texts: pl.Series, threshold: float) -> None:
    ours = by_character(texts, threshold=threshold)
    theirs = pl.DataFrame({"t": texts}).select(cjk_share(pl.col("t")) >= threshold)["t"]
    differ = np.flatnonzero((ours != theirs).to_numpy())
    assert not len(differ), f"{len(differ)} differ, e.g. {[texts[int(i)] for i in differ[:3]]}"


def test_exact_values() -> None:
    texts = pl.Series(["你好世界 world", "hello world", "한국어 문장", "カタカナ", None, "", "   ", "a你"])
    assert by_character(texts, threshold=0.3).to_list() == [
        True,
        False,
        True,
        True,
        False,
        False,
        False,
        True,
    ]
    assert by_character(texts, threshold=0.0).to_list() == [True] * 8  # a share of 0 reaches 0
    # only the first 1,000 characters count: 1,000 Latin letters then Han
    assert by_character(pl.Series(["a" * 1000 + "你" * 5000]), threshold=0.3).to_list() == [False]


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 1.0])
def test_every_code_point_with_and_between_letters(threshold: float) -> None:
    _, characters = _every_character()
    _assert_same(characters, threshold)
    mixed = pl.DataFrame({"c": characters}).select(pl.concat_str([pl.lit("中 "), pl.col("c"), pl.lit("ab")]))
    _assert_same(mixed.to_series(), threshold)


def test_random_mixes_and_long_texts() -> None:
    pool = list("ab 中文かなカナ한글\t\n,。\u3000\u00a0😀")
    rng = np.random.default_rng(3)
    texts = pl.Series(["".join(rng.choice(pool, size=rng.integers(0, 2500))) for _ in range(2_000)])
    for threshold in (0.3, 0.45, 0.6):
        _assert_same(texts, threshold)


@pytest.mark.parametrize(
    "name", ["udhr_langid/udhr_langid_dev.jsonl", "lingua_langid/lingua_langid_dev.jsonl"]
)
def test_real_rows_in_many_scripts(name: str) -> None:
    with shared_path(*name.split("/")).open(encoding="utf-8") as handle:
        texts = pl.Series([json.loads(line)["text"] for line in handle], dtype=pl.String)
    _assert_same(texts, 0.3)
    assert 0 < by_character(texts, threshold=0.3).sum() < len(texts)
