"""Longest run of one repeated covered character: exact lengths, the 4-character floor, and equality with
the regex alternation it replaced."""

from __future__ import annotations

import polars as pl
from conftest import shared_path

from winnow.curation.checks.runs import run_pattern
from winnow.curation.kernels.runs import longest_run_series


def longest(texts: list[str | None]) -> list[int | None]:
    return longest_run_series(pl.Series("t", texts, dtype=pl.String), 4).to_list()


def test_longest_run_lengths() -> None:
    assert longest(["啊啊啊啊啊啊", "ok!!!!!!!!", "aaab", "1111 22222", None, ""]) == [
        6,
        8,
        None,
        5,
        None,
        None,
    ]
    # whitespace and ordinary ideographs are not covered; a covered run ending the text counts
    assert longest(["a      b", "天天天天天", "xyz~~~~"]) == [None, None, 4]


def test_equal_to_the_regex_alternation_on_real_text() -> None:
    texts = pl.read_json(shared_path("alpaca_chinese_carbonz0", "zh-data-part-00.json"))["output"]
    texts = pl.concat([texts, pl.Series(["ha" * 9, "!!!!!!??????", "ーーーー", "ㅋㅋㅋㅋㅋ"])])
    regex = texts.str.extract_all(run_pattern()).list.eval(pl.element().str.len_chars()).list.max()
    got = longest_run_series(texts, 4)
    assert got.to_list() == regex.cast(pl.Int64).to_list()
    assert got.drop_nulls().len() > 40  # real runs were compared
