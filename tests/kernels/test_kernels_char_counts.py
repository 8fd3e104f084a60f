"""Character-class counts in one pass: exact counts on tiny zh/en texts, and equal to the regex counts they
replaced on every code point class edge and on real data."""

from __future__ import annotations

import polars as pl
from conftest import shared_path

from winnow.curation.checks.mojibake import MOJIBAKE_PATTERN
from winnow.curation.kernels.char_counts import FIELDS, char_counts, char_counts_series
from winnow.curation.kernels.unicode_classes import SPECIAL_CLASS, SYMBOL_CLASS


def counts(text: str | None) -> dict[str, int | None]:
    return char_counts_series(pl.Series("t", [text], dtype=pl.String)).struct.unnest().row(0, named=True)


def test_exact_counts_on_tiny_texts() -> None:
    keys = ("chars", "nonspace", "alnum", "digits", "special", "symbols", "mojibake")
    assert counts("ab 12!") == dict(zip(keys, (6, 5, 4, 2, 0, 0, 0), strict=True))
    # special: $$$ and the emoji; the full-width comma is sentence punctuation
    assert counts("$$$ 中文，好😀") == dict(zip(keys, (9, 8, 3, 0, 4, 1, 0), strict=True))
    assert counts("\u3000٣\u00a0") == dict(zip(keys, (3, 1, 1, 1, 0, 0, 0), strict=True))
    assert counts(None) == dict.fromkeys(FIELDS)
    assert counts("") == dict.fromkeys(FIELDS, 0)
    # markers: U+FFFD, a control, "Ã©", "â€™", "锟斤拷"; "烫烫烫烫" is one triple and one ordinary 烫
    garbled = counts("caf\ufffd \x07 cafÃ© itâ€™s 锟斤拷 烫烫烫烫 Ã")
    assert (garbled["mojibake"], garbled["chars"]) == (6, 30)


def regex_counts(texts: pl.Series) -> pl.DataFrame:
    t = pl.col("t")
    return (
        texts.alias("t")
        .to_frame()
        .select(
            chars=t.str.len_chars().cast(pl.Int64),
            nonspace=(t.str.len_chars() - t.str.count_matches(r"\s")).cast(pl.Int64),
            alnum=t.str.count_matches(r"[\p{L}\p{M}\p{N}]").cast(pl.Int64),
            digits=t.str.count_matches(r"\p{Nd}").cast(pl.Int64),
            special=t.str.count_matches(SPECIAL_CLASS).cast(pl.Int64),
            symbols=(t.str.len_chars() - t.str.replace_all(f"{SYMBOL_CLASS}+", "").str.len_chars()).cast(
                pl.Int64
            ),
            mojibake=t.str.count_matches(MOJIBAKE_PATTERN).cast(pl.Int64),
        )
    )


def test_equal_to_regex_counts_on_every_plane_and_real_text() -> None:
    # one text per 256 code points (surrogates left out): every class boundary is crossed
    blocks = [
        "".join(chr(c) for c in range(start, start + 256) if not 0xD800 <= c <= 0xDFFF)
        for start in range(0, 0x110000, 256)
    ]
    real = pl.read_json(shared_path("llama_factory_demo", "alpaca_zh_demo.json"))["output"].to_list()
    garbled = ["Ã©Ã", "â€™â€", "ÂÂ ", "锟斤拷锟斤", "烫烫烫烫烫烫", "屯屯屯屯", "\x00\x9f\ue000", "ÃÃ©"]
    texts = pl.Series("t", blocks + real + garbled + [None], dtype=pl.String)
    got = char_counts_series(texts).struct.unnest()
    assert got.equals(regex_counts(texts))


def test_expression_inside_list_eval() -> None:
    frame = pl.DataFrame({"m": [["ab", "c d"], ["中"]]})
    got = frame.select(pl.col("m").list.eval(char_counts(pl.element()).struct.field("nonspace")))
    assert got["m"].to_list() == [[2, 2], [1]]
