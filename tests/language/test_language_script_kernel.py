"""The compiled script counts equal `script_counts`' regex counts on every code point, mixed and long texts,
real rows in many scripts, nulls, and texts long enough to be counted in pieces on threads."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.kernels.unicode_classes import _every_character
from winnow.curation.language import script_kernel
from winnow.curation.language.script_kernel import (
    COUNTED,
    SCRIPTS_COLUMN,
    count_scripts,
    script_counts_column,
)
from winnow.curation.language.scripts import script_counts


def _assert_same(texts: pl.Series) -> None:
    frame = pl.DataFrame({"t": texts})
    theirs = frame.select(script_counts(pl.col("t")))
    ours = frame.select(script_counts_column(pl.col("t"))).unnest(SCRIPTS_COLUMN)
    assert ours.columns == theirs.columns == list(COUNTED)
    for name in COUNTED:
        differ = np.flatnonzero(~(ours[name].eq_missing(theirs[name])).to_numpy())
        assert not len(differ), f"{name}: {len(differ)} differ, e.g. {[texts[int(i)] for i in differ[:3]]}"


def test_exact_values() -> None:
    counted = count_scripts(pl.Series(["你好 world", "Привет, мир", "カナ한글", None, ""]))
    rows = counted.struct.unnest().select("n_han", "n_latin", "n_cyrillic", "n_kana", "n_hangul", "n_letters")
    assert rows.rows() == [
        (2, 5, 0, 0, 0, 7),
        (0, 0, 9, 0, 0, 9),
        (0, 0, 0, 2, 2, 4),
        (None, None, None, None, None, None),
        (0, 0, 0, 0, 0, 0),
    ]
    assert counted.dtype == script_kernel.STRUCT


def test_every_code_point_alone_and_between_letters() -> None:
    _, characters = _every_character()
    _assert_same(characters)
    mixed = pl.DataFrame({"c": characters}).select(pl.concat_str([pl.lit("中 "), pl.col("c"), pl.lit("ab")]))
    _assert_same(mixed.to_series())


def test_random_mixes_long_texts_and_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = list("ab 中文かなカナ한글ЖжΩ\t\n,。\u3000\u00a0😀éअআ")
    rng = np.random.default_rng(5)
    texts = pl.Series(
        ["".join(rng.choice(pool, size=rng.integers(0, 2500))) for _ in range(1_500)] + [None] * 3
    )
    _assert_same(texts)
    monkeypatch.setattr(script_kernel, "PIECE_ROWS", 100)  # several pieces, one per thread
    _assert_same(texts)


@pytest.mark.parametrize(
    "name", ["udhr_langid/udhr_langid_dev.jsonl", "lingua_langid/lingua_langid_dev.jsonl"]
)
def test_real_rows_in_many_scripts(name: str) -> None:
    with shared_path(*name.split("/")).open(encoding="utf-8") as handle:
        texts = pl.Series([json.loads(line)["text"] for line in handle], dtype=pl.String)
    _assert_same(texts)


def test_the_script_pass_is_the_same_with_the_kernel_or_the_regexes(monkeypatch: pytest.MonkeyPatch) -> None:
    from polars.testing import assert_frame_equal

    from winnow.curation.language import identify

    with shared_path("lingua_langid", "lingua_langid_dev.jsonl").open(encoding="utf-8") as handle:
        texts = pl.Series([json.loads(line)["text"] for line in handle][:3000], dtype=pl.String)
    monkeypatch.setattr(identify, "KERNELS_FROM", 10**9)
    monkeypatch.setattr(identify, "KERNELS_LOADED_FROM", 10**9)
    by_regex = identify.script_pass(texts, identify.IdentifySettings())
    monkeypatch.setattr(identify, "KERNELS_FROM", 1)
    by_kernel = identify.script_pass(texts, identify.IdentifySettings())
    assert_frame_equal(by_kernel, by_regex, check_column_order=False)
    assert identify._kernels_pay(1)
    assert not identify._kernels_pay(0)


def test_whitespace_collapsed_by_the_kernel_equals_the_expression() -> None:
    from winnow.curation.language.scripts import collapsed_whitespace
    from winnow.curation.language.whitespace_kernel import collapsed

    _, characters = _every_character()
    pool = [*"ab \t\n\r\u3000\u00a0\u2028\u200b中,", " \u0085 "]
    rng = np.random.default_rng(9)
    texts = pl.concat(
        [
            characters,
            pl.DataFrame({"c": characters})
            .select(pl.concat_str([pl.lit(" x "), pl.col("c"), pl.lit("\ty ")]))
            .to_series(),
            pl.Series(["".join(rng.choice(pool, size=rng.integers(0, 40))) for _ in range(3_000)]),
            pl.Series(["", "   ", None, "\n\n"], dtype=pl.String),
        ]
    )
    expected = pl.DataFrame({"t": texts}).select(collapsed_whitespace(pl.col("t")))["t"]
    ours = collapsed(texts)
    assert ours.null_count() == 1
    differ = np.flatnonzero(~ours.eq_missing(expected).to_numpy())
    assert not len(differ), f"{len(differ)} differ, e.g. {[texts[int(i)] for i in differ[:3]]}"
