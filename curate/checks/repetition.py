"""Gopher-style repetition (Rae et al. 2021, appendix A): duplicate lines, duplicate paragraphs, the share
of text taken by the most frequent n-gram, and the share covered by duplicated n-grams.

N-grams are CJK-aware: tokens are single characters for Chinese/Japanese and words for space-delimited
scripts (see textexpr.TOKEN_PATTERN), so "好的好的好的" repeats the same way "ok ok ok" does. Shares are
measured in token characters (punctuation and spaces excluded).

Cost: repetition statistics need every token of a text, which no single string expression gives. Texts
below the cheap guards (`min_lines`, `min_chars`) are not judged (metric null) and are blanked *before*
any splitting, so only long texts pay. The n-gram statistics run vectorized over all tokens of a batch
(explode, hash, group), which measured ~4x faster than per-list `list.agg`; they are wrapped in an
elementwise `map_batches` because the work is a frame-level computation, not a per-row Python loop.
"""

from __future__ import annotations

import functools
from typing import Annotated

import polars as pl

from curate.checks.params import NON_NEGATIVE, RATIO, THRESHOLD, Range
from curate.checks.registry import Check, check
from curate.checks.textexpr import TOKEN_PATTERN, metric_check, ratio

_PARAGRAPH_BREAK = "\u0000"  # split marker; control characters never survive the mappers
_HASH_SEEDS = (0x6E67_7261, 0x6D73_0001)  # in-memory only: never persisted, so version drift is harmless


def _duplicate_fraction(text: pl.Expr, separator_pattern: str, minimum: int) -> pl.Expr:
    """(pieces - distinct pieces) / pieces over non-blank pieces; null with fewer than `minimum` pieces."""
    enough = text.str.count_matches(separator_pattern) >= minimum - 1
    pieces = (
        pl.when(enough)
        .then(text)
        .otherwise(pl.lit(""))
        .str.replace_all(separator_pattern, _PARAGRAPH_BREAK)
        .str.split(_PARAGRAPH_BREAK)
    )
    solid = pieces.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element().str.len_bytes() > 0)
    )
    count = solid.list.len()
    return pl.when(enough & (count >= minimum)).then(ratio(count - solid.list.n_unique(), count))


@check("max_dup_line_fraction")
def max_dup_line_fraction(
    text: pl.Expr,
    max_fraction: Annotated[float, RATIO] = 0.3,
    min_lines: Annotated[int, Range(2, None)] = 4,
) -> Check:
    """Fraction of non-blank lines that repeat an earlier line (Gopher: <= 0.30)."""
    metric = _duplicate_fraction(text, r"\n", min_lines)
    return metric_check(metric, max_fraction, "max")


@check("max_dup_paragraph_fraction")
def max_dup_paragraph_fraction(
    text: pl.Expr,
    max_fraction: Annotated[float, RATIO] = 0.3,
    min_paragraphs: Annotated[int, Range(2, None)] = 3,
) -> Check:
    """Fraction of paragraphs (blank-line separated) that repeat an earlier one (Gopher: <= 0.30)."""
    metric = _duplicate_fraction(text, r"\n[ \t]*\n\s*", min_paragraphs)
    return metric_check(metric, max_fraction, "max")


def _token_frame(texts: pl.Series, n: int, min_tokens: int, min_chars: int) -> pl.DataFrame:
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


def _per_row(texts: pl.Series, values: pl.DataFrame) -> pl.Series:
    """Scatter per-row values (row, value) back onto the batch; rows not judged get null."""
    base = pl.DataFrame({"row": pl.int_range(0, texts.len(), dtype=pl.UInt32, eager=True)})
    return base.join(values, on="row", how="left", maintain_order="left")["value"].cast(pl.Float64)


def top_ngram_share(texts: pl.Series, *, n: int, min_tokens: int, min_chars: int) -> pl.Series:
    """Per text: characters in occurrences of its most frequent n-gram / token characters."""
    grams = _token_frame(texts, n, min_tokens, min_chars)
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
    return _per_row(texts, values)


def dup_ngram_share(texts: pl.Series, *, n: int, min_tokens: int, min_chars: int) -> pl.Series:
    """Per text: token characters covered by an n-gram that occurred earlier in it / token characters."""
    grams = _token_frame(texts, n, min_tokens, min_chars)
    repeated = (pl.col("gram").is_not_null() & ~pl.col("gram").is_first_distinct()).cast(pl.Int8)
    grams = grams.with_columns(repeated.alias("repeated"))
    # token j is covered when an n-gram starting at j-n+1 .. j repeats (valid n-grams never cross texts)
    covered = pl.max_horizontal([pl.col("repeated").shift(k, fill_value=0) for k in range(n)])
    values = (
        grams.with_columns(covered.alias("covered"))
        .group_by("row")
        .agg(((pl.col("chars") * pl.col("covered")).sum() / pl.col("chars").sum()).alias("value"))
    )
    return _per_row(texts, values)


def _batched(function: functools.partial[pl.Series], text: pl.Expr) -> pl.Expr:
    return text.map_batches(function, return_dtype=pl.Float64, is_elementwise=True)


@check("max_top_ngram_share")
def max_top_ngram_share(
    text: pl.Expr,
    n: Annotated[int, Range(2, 10)] = 2,
    max_share: Annotated[float, RATIO, THRESHOLD] = 0.2,
    min_tokens: Annotated[int, NON_NEGATIVE] = 50,
    min_chars: Annotated[int, NON_NEGATIVE] = 200,
) -> Check:
    """Share of token characters in the most frequent n-gram's occurrences (Gopher: 0.20/0.18/0.16 for 2/3/4)."""
    metric = functools.partial(top_ngram_share, n=n, min_tokens=min_tokens, min_chars=min_chars)
    return metric_check(_batched(metric, text), max_share, "max")


@check("max_dup_ngram_share")
def max_dup_ngram_share(
    text: pl.Expr,
    n: Annotated[int, Range(2, 20)] = 5,
    max_share: Annotated[float, RATIO, THRESHOLD] = 0.15,
    min_tokens: Annotated[int, NON_NEGATIVE] = 50,
    min_chars: Annotated[int, NON_NEGATIVE] = 200,
) -> Check:
    """Share of token characters covered by n-grams seen earlier in the text (Gopher: 0.15 for 5 .. 0.10 for 10)."""
    metric = functools.partial(dup_ngram_share, n=n, min_tokens=min_tokens, min_chars=min_chars)
    return metric_check(_batched(metric, text), max_share, "max")
