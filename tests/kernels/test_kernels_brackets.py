"""Unclosed brackets in one pass: exact answers, and equal to the per-pair regex counts it replaced."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import shared_path

from winnow.curation.checks.sanity_truncated import BRACKETS
from winnow.curation.kernels.brackets import side_table, unclosed_series


def unclosed(texts: list[str | None]) -> list[bool | None]:
    return unclosed_series(pl.Series("t", texts, dtype=pl.String), pairs=BRACKETS).to_list()


def test_unclosed_pairs() -> None:
    assert unclosed(["f(x)", "f(x", "（译文)", "a)", "【标题", "“引号”", "“引号", "[1]{2}", None, ""]) == [
        False,
        True,
        False,  # full-width open, half-width close: the same pair
        False,  # more closers than openers is not a cut-off reply
        True,
        False,
        True,
        False,
        None,
        False,
    ]


def test_equal_to_regex_counts_on_real_text() -> None:
    import re

    texts = pl.read_json(shared_path("alpaca_chinese_carbonz0", "zh-data-part-00.json"))["output"]
    texts = pl.concat([texts, pl.read_json(shared_path("codealpaca", "code_alpaca_2k.json"))["output"]])
    classes = [(f"[{re.escape(o)}]", f"[{re.escape(c)}]") for o, c in BRACKETS]
    regex = texts.to_frame("t").select(
        pl.any_horizontal(
            [pl.col("t").str.count_matches(o) > pl.col("t").str.count_matches(c) for o, c in classes]
        )
    )
    got = unclosed_series(texts, pairs=BRACKETS)
    assert got.to_list() == regex.to_series().to_list()
    assert got.sum() >= 3  # real unclosed texts were compared (3 in these 12k replies)


def test_a_character_in_two_pairs_is_refused() -> None:
    with pytest.raises(ValueError, match="two pairs"):
        side_table((("(", ")"), ("(", "]")))
