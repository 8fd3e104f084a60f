"""Duplicate line / paragraph fractions: exact values on tiny texts, and equal to the Polars expression
they replaced (kept below as the reference) on edge cases and real replies."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import shared_path

from winnow.curation.kernels.repeated_pieces import LINES, PARAGRAPHS, repeated_fraction_series

_BREAK = "\u0000"


def reference(text: pl.Expr, separator_pattern: str, minimum: int) -> pl.Expr:
    """The implementation before the kernel (curate/checks/repetition.py at 26a63a9), unchanged."""
    enough = text.str.count_matches(separator_pattern) >= minimum - 1
    pieces = (
        pl.when(enough)
        .then(text)
        .otherwise(pl.lit(""))
        .str.replace_all(separator_pattern, _BREAK)
        .str.split(_BREAK)
    )
    solid = pieces.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element().str.len_bytes() > 0)
    )
    repeated = ~pl.element().is_first_distinct()
    fraction = solid.list.eval(pl.when(pl.element().len() >= minimum).then(repeated.mean())).list.first()
    return pl.when(enough).then(fraction)


SEPARATORS = {LINES: r"\n", PARAGRAPHS: r"\n[ \t]*\n\s*"}
EDGE_CASES = [
    None,
    "",
    "\n\n\n\n",
    "a\nb\na\n\u3000a\u3000\n",
    "x\n\n  \ny\n\t\nx\n \n x",
    "p\u0000p\nq\nq",
    "a\r\na\r\nb\r\nb",
    "same\nsame\nsame\nsame",
    "一\n二\n一\n二\n三",
    "para one\n\npara two\n \t\n\n para one \n\n\npara two",
]


def fraction(text: str, mode: int, minimum: int) -> float | None:
    return repeated_fraction_series(pl.Series("t", [text]), mode=mode, minimum=minimum).item()


def test_exact_fractions() -> None:
    assert fraction("a\nb\na\nc", LINES, 4) == 1 / 4
    assert fraction("a\n\nb\n   \na", LINES, 3) == 1 / 3  # blank lines are not pieces
    assert fraction("a\nb\na", LINES, 4) is None  # too few lines to judge
    assert fraction("one\n\ntwo\n\none", PARAGRAPHS, 3) == 1 / 3
    assert fraction("one\ntwo\none", PARAGRAPHS, 2) is None  # no paragraph break at all


@pytest.mark.parametrize("mode", [LINES, PARAGRAPHS])
@pytest.mark.parametrize("minimum", [2, 3, 4])
def test_equal_to_the_reference(mode: int, minimum: int) -> None:
    real = pl.concat(
        [
            pl.read_json(shared_path("llama_factory_demo", name))["output"]
            for name in ("alpaca_zh_demo.json", "alpaca_en_demo.json")
        ]
    )
    texts = pl.concat([pl.Series("t", EDGE_CASES, dtype=pl.String), real.alias("t")])
    expected = texts.to_frame().select(reference(pl.col("t"), SEPARATORS[mode], minimum)).to_series()
    got = repeated_fraction_series(texts, mode=mode, minimum=minimum)
    assert got.to_list() == expected.to_list()
    assert got.drop_nulls().len() > (100 if mode == LINES else 20)  # real texts were judged
