"""The compiled normalizing equals the `normalized` expression it stands in for, on every code point and on
real rows in many scripts; rows it cannot do are left to the expression."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.dedup.normalize_kernel import _kinds, _normalize, expression, normalize_texts
from winnow.curation.kernels.arrow_strings import utf8_buffers
from winnow.curation.kernels.unicode_classes import _every_character
from winnow.curation.kernels.unicode_fold import COMPLEX, MANY, fold_table

MODES = [(True, False), (True, True), (False, False), (False, True)]  # (fold, punctuation)


def _by_expression(texts: pl.Series, fold: bool, punctuation: bool) -> pl.Series:
    return pl.DataFrame({"t": texts}).select(expression(fold, punctuation))["t"]


def _assert_same(texts: pl.Series, fold: bool, punctuation: bool) -> None:
    ours = normalize_texts(texts, fold=fold, punctuation=punctuation)
    theirs = _by_expression(texts, fold, punctuation)
    differ = np.flatnonzero(~ours.eq_missing(theirs).to_numpy())
    shown = [(texts[int(i)], ours[int(i)], theirs[int(i)]) for i in differ[:5]]
    assert not len(differ), f"{len(differ)} rows differ, e.g. (text, kernel, expression): {shown}"


def _done(texts: list[str | None]) -> list[bool]:
    buffers = utf8_buffers(pl.Series(texts, dtype=pl.String))
    done = _normalize(
        buffers.data, buffers.offsets, buffers.valid_rows(), fold_table(), _kinds(), True, False
    )[2]
    return [bool(d) for d in done]


def test_exact_values() -> None:
    texts = pl.Series(
        ["  Hello,\tWORLD！ …  ", None, "", " \n ", "Ｆｕｌｌ　ｗｉｄｔｈ", "e\u0301 ΟΔΟΣ", "ﬁne ①"]
    )
    assert normalize_texts(texts, fold=True, punctuation=False).to_list() == [
        "hello, world! ...",
        None,
        None,
        None,
        "full width",
        "é οδος",  # a combining mark and a final sigma: left to the expression
        "fine 1",
    ]
    assert normalize_texts(texts, fold=True, punctuation=True).to_list()[0] == "hello world"
    assert normalize_texts(pl.Series(["a,  b！", " . "]), fold=False, punctuation=True).to_list() == [
        "a b",
        None,
    ]


def test_rows_whose_result_depends_on_neighbours_are_left_to_the_expression() -> None:
    assert _done(
        ["plain ascii", "中文，标点。", "Å ﬁ …", "e\u0301", "ΣΑΣ", "한국어", "\u1100\u1161", None]
    ) == [
        True,
        True,
        True,
        False,  # combining mark
        False,  # capital sigma
        True,  # precomposed Hangul syllables
        False,  # conjoining jamo
        False,  # null: nothing to do
    ]


def test_the_table_holds_what_polars_gives_each_character() -> None:
    table = fold_table()
    assert [table[ord(c)] for c in "A，中\u00a0"] == [ord(c) for c in "a,中 "]
    assert [table[cp] for cp in (ord("Σ"), 0x301, 0xD800)] == [COMPLEX] * 3
    start = MANY - int(table[ord("…")])  # three code points, listed after the header
    assert table[start : start + 4].tolist() == [3, *[ord(".")] * 3]


@pytest.mark.parametrize(("fold", "punctuation"), MODES)
def test_every_code_point_alone_and_between_letters(fold: bool, punctuation: bool) -> None:
    _, characters = _every_character()
    _assert_same(characters, fold, punctuation)
    context = pl.DataFrame({"c": characters}).select(
        pl.concat_str([pl.lit("A"), pl.col("c"), pl.lit("b "), pl.col("c"), pl.lit(" ")])
    )
    _assert_same(context.to_series(), fold, punctuation)


def test_random_mixes_of_tricky_characters() -> None:
    pool = list("aZ09 \t\n,.!？，。…ﬁ①Σσς\u0301\u0308e\u00a0\u3000가각\u1100\u1161\u11a8İıÅ😀ＡＺ‐—\u200b")
    rng = np.random.default_rng(7)
    texts = pl.Series(["".join(rng.choice(pool, size=rng.integers(0, 12))) for _ in range(20_000)])
    for fold, punctuation in MODES:
        _assert_same(texts, fold, punctuation)


@pytest.mark.parametrize(
    "name", ["udhr_langid/udhr_langid_dev.jsonl", "lingua_langid/lingua_langid_dev.jsonl"]
)
def test_real_rows_in_many_scripts(name: str) -> None:
    with shared_path(*name.split("/")).open(encoding="utf-8") as handle:
        texts = pl.Series([json.loads(line)["text"] for line in handle], dtype=pl.String)
    for fold, punctuation in MODES:
        _assert_same(texts, fold, punctuation)
    assert sum(_done(texts.to_list())) > 0.8 * len(texts)  # most rows are done by the kernel


def test_a_large_column_is_normalized_in_pieces_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import winnow.curation.dedup.normalize_kernel as kernel
    from winnow.curation.kernels import threads

    pool = list("aZ09 \t\n,.!？，。…ﬁ①Σ\u0301e\u00a0가😀")
    rng = np.random.default_rng(11)
    texts = pl.Series(["".join(rng.choice(pool, size=rng.integers(0, 20))) for _ in range(5_001)])
    monkeypatch.setattr(kernel, "PIECE_ROWS", 1_000)
    monkeypatch.setattr(threads, "THREADS", 2)  # two pieces whatever the machine (kernels.threads.row_pieces)
    out = normalize_texts(texts, fold=True, punctuation=True)
    assert out.n_chunks() == 1
    assert out.equals(_by_expression(texts, True, True))
