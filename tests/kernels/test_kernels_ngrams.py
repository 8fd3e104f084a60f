"""The compiled n-gram statistics (winnow.curation.kernels.ngrams) give exactly the values of the Polars
implementation of commit 7e5b6ea (kept below as the reference; the numpy version in between gave the same),
on inline edge cases and on real zh/en replies, and hand-computed values on tiny texts.
"""

from __future__ import annotations

import polars as pl
import pytest
from conftest import shared_path

from winnow.curation.kernels.ngrams import DUP, TOP, ngram_share_series
from winnow.curation.kernels.unicode_classes import TOKEN_PATTERN

_HASH_SEEDS = (0x6E67_7261, 0x6D73_0001)


# ---- reference: the implementation before the numpy rewrite (commit 7e5b6ea), unchanged ----------


def _old_token_frame(texts: pl.Series, n: int, min_tokens: int, min_chars: int) -> pl.DataFrame:
    """One row per token of every judged text: row, token length, and the n-gram starting there.

    `gram` hashes the text's row number with the n token hashes, so one UInt64 column identifies an
    n-gram within its text (grouping on one integer is much cheaper than on (row, n-gram) pairs).
    """
    judged = pl.select(
        pl.when(texts.str.len_chars() >= min_chars).then(texts).otherwise(pl.lit(""))
    ).to_series()
    tokens = pl.DataFrame({"tok": judged.str.extract_all(TOKEN_PATTERN)}).with_row_index("row")
    tokens = tokens.filter(pl.col("tok").list.len() >= max(min_tokens, n))
    long = tokens.explode("tok").select(
        "row", pl.col("tok").hash(_HASH_SEEDS[0]).alias("h"), pl.col("tok").str.len_chars().alias("chars")
    )
    valid = pl.col("row").shift(-(n - 1)) == pl.col("row")  # the n-gram stays inside its text
    parts = [pl.col("row"), *(pl.col("h").shift(-i).alias(f"h{i}") for i in range(n))]
    gram = pl.struct(parts).hash(_HASH_SEEDS[1])
    gram_chars = pl.sum_horizontal([pl.col("chars").shift(-i) for i in range(n)])
    return long.select(
        "row",
        "chars",
        pl.when(valid).then(gram).alias("gram"),
        pl.when(valid).then(gram_chars).alias("gram_chars"),
    )


def _old_per_row(texts: pl.Series, values: pl.DataFrame) -> pl.Series:
    """Scatter per-row values (row, value) back onto the batch; rows not judged get null."""
    base = pl.DataFrame({"row": pl.int_range(0, texts.len(), dtype=pl.UInt32, eager=True)})
    return base.join(values, on="row", how="left", maintain_order="left")["value"].cast(pl.Float64)


def old_top_ngram_share(texts: pl.Series, *, n: int, min_tokens: int, min_chars: int) -> pl.Series:
    """Per text: characters in occurrences of its most frequent n-gram / token characters."""
    grams = _old_token_frame(texts, n, min_tokens, min_chars)
    totals = grams.group_by("row").agg(pl.col("chars").sum().alias("total"))
    top = (
        grams.filter(pl.col("gram").is_not_null())
        .group_by("gram")
        .agg(pl.col("row").first(), pl.len().alias("count"), pl.col("gram_chars").first())
        .group_by("row")
        .agg((pl.col("count") * pl.col("gram_chars")).max().alias("top"))
    )
    values = totals.join(top, on="row", how="left").select(
        "row", (pl.col("top").fill_null(0) / pl.col("total")).alias("value")
    )
    return _old_per_row(texts, values)


def old_dup_ngram_share(texts: pl.Series, *, n: int, min_tokens: int, min_chars: int) -> pl.Series:
    """Per text: token characters covered by an n-gram that occurred earlier in it / token characters."""
    grams = _old_token_frame(texts, n, min_tokens, min_chars)
    repeated = (pl.col("gram").is_not_null() & ~pl.col("gram").is_first_distinct()).cast(pl.Int8)
    grams = grams.with_columns(repeated.alias("repeated"))
    # token j is covered when an n-gram starting at j-n+1 .. j repeats (valid n-grams never cross texts)
    covered = pl.max_horizontal([pl.col("repeated").shift(k, fill_value=0) for k in range(n)])
    values = (
        grams.with_columns(covered.alias("covered"))
        .group_by("row")
        .agg(((pl.col("chars") * pl.col("covered")).sum() / pl.col("chars").sum()).alias("value"))
    )
    return _old_per_row(texts, values)


# ---- comparisons ------------------------------------------------------------------------------------

EDGE_CASES = [
    None,
    "",
    "short",
    "好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的好的",
    "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok",
    "a b c d e f g h i j a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j",
    "!!! ??? ... ,,, ;;;",
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen",
    "def f(x):\n    return x + 1\n\ndef g(x):\n    return x + 1\n\n" * 4,
    "第一步，打开冰箱。第二步，把大象放进去。第三步，关上冰箱。第一步，打开冰箱。第二步，把大象放进去。",
]


def assert_same(texts: pl.Series, n: int, min_tokens: int, min_chars: int) -> None:
    params = {"n": n, "min_tokens": min_tokens, "min_chars": min_chars}
    for old, mode in ((old_top_ngram_share, TOP), (old_dup_ngram_share, DUP)):
        expected = old(texts, **params)
        got = ngram_share_series(texts, mode=mode, **params)
        assert got.dtype == pl.Float64
        assert got.to_list() == expected.to_list(), (old.__name__, params)


@pytest.mark.parametrize("n", [2, 3, 5, 10])
@pytest.mark.parametrize("min_tokens", [0, 5, 50])
def test_ngram_shares_equal_reference_on_edge_cases(n: int, min_tokens: int) -> None:
    assert_same(pl.Series("t", EDGE_CASES, dtype=pl.String), n, min_tokens, 0)
    assert_same(pl.Series("t", EDGE_CASES, dtype=pl.String), n, min_tokens, 40)


def test_ngram_shares_equal_reference_with_nothing_judged() -> None:
    assert_same(pl.Series("t", [None, "a"], dtype=pl.String), 2, 50, 300)
    assert_same(pl.Series("t", [], dtype=pl.String), 2, 0, 0)


@pytest.mark.parametrize("n", [2, 10])
def test_ngram_shares_equal_reference_on_real_replies(n: int) -> None:
    frames = []
    for sub, name in (
        ("llama_factory_demo", "alpaca_zh_demo.json"),
        ("llama_factory_demo", "alpaca_en_demo.json"),
        ("codealpaca", "code_alpaca_2k.json"),
    ):
        frames.append(pl.read_json(shared_path(sub, name)).select(pl.col("output").cast(pl.String)))
    texts = pl.concat(frames)["output"]
    assert (texts.str.len_chars() >= 300).sum() > 100  # the comparison judges many real texts
    assert_same(texts, n, 50, 300)
    assert_same(texts, n, 5, 0)


def shares(text: str, mode: int, n: int) -> float | None:
    series = pl.Series("t", [text], dtype=pl.String)
    return ngram_share_series(series, mode=mode, n=n, min_tokens=0, min_chars=0).item()


def test_top_share_counts_token_characters_of_the_most_frequent_ngram() -> None:
    # "a b" occurs 4 times (2 chars each) in 8 token chars; punctuation and spaces are not tokens
    assert shares("a b a b, a b! a b", TOP, 2) == 8 / 8
    # tokens ab, cd, ab, ef: every 2-gram once, the widest (4 chars) wins: 4 / 8
    assert shares("ab cd ab ef", TOP, 2) == 4 / 8
    # CJK: one token per character; 好的 ×3 = 6 of 7 characters
    assert shares("好的好的好的吗", TOP, 2) == 6 / 7


def test_dup_share_covers_tokens_of_repeated_ngrams() -> None:
    # 2-grams: (x y) (y z) (z x) (x y)*: the repeat at tokens 3-4 covers "x y" = 2 of 5 chars
    assert shares("x y z x y", DUP, 2) == 2 / 5
    assert shares("one two three", DUP, 2) == 0.0


def test_texts_below_the_guards_are_not_judged() -> None:
    texts = pl.Series("t", ["a b c", None, "a b c d e f"], dtype=pl.String)
    got = ngram_share_series(texts, mode=TOP, n=2, min_tokens=4, min_chars=0)
    assert got.to_list() == [None, None, 2 / 6]
    got = ngram_share_series(texts, mode=TOP, n=2, min_tokens=0, min_chars=6)
    assert got.to_list() == [None, None, 2 / 6]
