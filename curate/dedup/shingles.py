"""Shingles by script, chosen per row: word n-grams for space-delimited text, character n-grams for CJK.

`shingle_frame` explodes a batch of normalized texts into (doc, shingle) rows entirely in Polars: tokens are
exploded once and an n-gram is the token concatenated with its next n-1 neighbours of the same document.
A document shorter than n tokens gives one shingle (all its tokens), so short rows still have a signature.
`ngram_codes` gives the same shingles as integer codes of token ids (signing hashes only the distinct
ones). `python_shingles` is the same definition in plain Python (the per-document baseline and the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from curate.dedup.normalize import cjk_share


@dataclass(frozen=True)
class ShingleSpec:
    word_ngram: int = 3
    char_ngram: int = 3
    cjk_share: float = 0.3


def prepared(texts: pl.Series, spec: ShingleSpec) -> pl.DataFrame:
    """doc (row index), text, and is_cjk (shingle by character) for normalized texts."""
    frame = pl.DataFrame({"text": texts.cast(pl.String)}).with_row_index("doc")
    # lazy: common subexpressions (the sampled head, the ratio) are computed once; eager `fill_nan`
    # evaluated the ratio twice (measured 3x the cost)
    return frame.lazy().with_columns(is_cjk=cjk_share(pl.col("text")) >= spec.cjk_share).collect()


def ngram_strings(tokens: pl.DataFrame, n: int, separator: str) -> pl.DataFrame:
    """(doc, shingle) from exploded (doc, pos, n_tok, tok) rows in document order."""
    shifted = [pl.col("tok").shift(-k) for k in range(n)]
    # shift(-k) crosses into the next document only on rows with pos + k >= n_tok, which the filter drops
    full = (
        tokens.select("doc", "pos", "n_tok", pl.concat_str(shifted, separator=separator).alias("shingle"))
        .filter(pl.col("pos") + n <= pl.col("n_tok"))
        .select("doc", "shingle")
    )
    short = (
        tokens.filter(pl.col("n_tok") < n)
        .group_by("doc", maintain_order=True)
        .agg(pl.col("tok").str.join(separator).alias("shingle"))
    )
    return pl.concat([full, short])


def script_tokens(
    texts: pl.Series, spec: ShingleSpec, is_cjk: pl.Series | None = None
) -> list[tuple[pl.DataFrame, int, str]]:
    """Per script with rows: (tokens, n, separator); tokens = exploded (doc, pos, n_tok, tok) rows in
    document order. Word rows split on " ", CJK rows into characters (spaces removed)."""
    frame = pl.DataFrame({"text": texts.cast(pl.String)}).with_row_index("doc")
    cjk = cjk_share(pl.col("text")) >= spec.cjk_share if is_cjk is None else pl.Series(is_cjk)
    frame = (
        frame.lazy()
        .with_columns(is_cjk=cjk)
        .filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
        .collect()
    )
    parts = []
    for by_char, n, sep in ((False, spec.word_ngram, " "), (True, spec.char_ngram, "")):
        text = pl.col("text").str.replace_all(" ", "", literal=True) if by_char else pl.col("text")
        lists = (
            frame.filter(pl.col("is_cjk") == by_char)
            .select("doc", (text.str.split("") if by_char else text.str.split(" ")).alias("tok"))
            .with_columns(n_tok=pl.col("tok").list.len().cast(pl.Int64))
            .filter(pl.col("n_tok") > 0)
        )
        if lists.is_empty():
            continue
        # position of a token in its document = its row in the exploded frame - the document's first row
        tokens = (
            lists.with_columns(start=pl.col("n_tok").cum_sum() - pl.col("n_tok"))
            .explode("tok")
            .with_row_index("row")
            .with_columns(pos=pl.col("row").cast(pl.Int64) - pl.col("start"))
            .select("doc", "pos", "n_tok", "tok")
        )
        parts.append((tokens, n, sep))
    return parts


def shingle_frame(texts: pl.Series, spec: ShingleSpec, is_cjk: pl.Series | None = None) -> pl.DataFrame:
    """(doc UInt32, shingle String) for every shingle of every text, in document order.

    Texts must be normalized (`curate.dedup.near.near_texts`: single spaces, no leading or trailing
    space), so that splitting on " " gives no empty tokens. Null or empty texts give no shingles.
    `is_cjk` (per text) skips the script detection when the caller already has it.
    """
    parts = [ngram_strings(tokens, n, sep) for tokens, n, sep in script_tokens(texts, spec, is_cjk)]
    if not parts:
        return pl.DataFrame(schema={"doc": pl.UInt32, "shingle": pl.String})
    return pl.concat(parts).with_columns(pl.col("doc").cast(pl.UInt32)).sort("doc", maintain_order=True)


def _u64(value: int) -> pl.Expr:
    """An unsigned 64-bit literal (a plain int literal would make the arithmetic signed)."""
    return pl.lit(value, dtype=pl.UInt64)


@dataclass(frozen=True)
class NgramCodes:
    """The n-grams of one script's tokens as integers: each token gets an id 1..V (`vocab[id - 1]`), an
    n-gram is its n ids as digits in base V + 1, and 0 digits pad a short document's single shingle.

    Equal codes are equal shingle strings (tokens hold no separator), so distinct shingles are found
    on integers and only distinct ones are turned back into strings (`strings`).
    """

    occurrences: pl.DataFrame  # doc (UInt32), code (UInt64): every shingle occurrence, in document order
    vocab: pl.Series
    n: int
    separator: str

    def strings(self, codes: pl.Series) -> pl.Series:
        """The shingle string of each code."""
        base = len(self.vocab) + 1
        vocab = pl.concat([pl.Series([None], dtype=pl.String), self.vocab])  # id 0: no token
        digits = pl.DataFrame({"code": codes.cast(pl.UInt64)}).select(
            [
                (pl.col("code") // _u64(base ** (self.n - 1 - k)) % _u64(base)).alias(f"d{k}")
                for k in range(self.n)
            ]
        )
        tokens = [vocab.gather(digits[f"d{k}"]).alias(f"t{k}") for k in range(self.n)]
        joined = pl.DataFrame(tokens).select(
            pl.concat_str(pl.all(), separator=self.separator, ignore_nulls=True)
        )
        return joined.to_series()


def ngram_codes(tokens: pl.DataFrame, n: int, separator: str) -> NgramCodes | None:
    """The codes of the n-grams of exploded (doc, pos, n_tok, tok) tokens; None when V + 1 to the n-th
    power does not fit 64 bits (then strings it is)."""
    # token ids from a fresh categorical mapping (its own categories: ids do not depend on other batches);
    # measured 2x faster than joining the tokens to their distinct values
    tok = tokens["tok"].cast(pl.Categorical(pl.Categories.random()))
    seen = tok.unique()
    known = pl.DataFrame({"id": seen.to_physical().cast(pl.UInt64) + 1, "tok": seen.cast(pl.String)})
    base = 1 if known.is_empty() else int(known["id"].to_numpy().max()) + 1
    if base**n >= 2**64:
        return None
    vocab = (  # vocab[id - 1] = the token of id (ids are dense in practice; a gap would be a null)
        pl.DataFrame({"id": pl.arange(1, base, eager=True, dtype=pl.UInt64)})
        .join(known, on="id", how="left", maintain_order="left")
        .get_column("tok")
    )
    ids = tokens.select("doc", "pos", "n_tok", id=tok.to_physical().cast(pl.UInt64) + 1)
    id_at = [
        pl.when(pl.col("pos") + k < pl.col("n_tok")).then(pl.col("id").shift(-k)).otherwise(0).cast(pl.UInt64)
        for k in range(n)
    ]
    code = pl.sum_horizontal([digit * _u64(base ** (n - 1 - k)) for k, digit in enumerate(id_at)])
    # full n-grams, and the one shingle (all its tokens) of a document shorter than n
    keep = (pl.col("pos") + n <= pl.col("n_tok")) | ((pl.col("n_tok") < n) & (pl.col("pos") == 0))
    occurrences = (
        ids.lazy()
        .select(pl.col("doc").cast(pl.UInt32), code.alias("code"), keep.alias("keep"))
        .filter("keep")
        .drop("keep")
        .collect()
    )
    return NgramCodes(occurrences, vocab, n, separator)


def python_shingles(text: str, is_cjk: bool, spec: ShingleSpec) -> set[str]:
    """The shingle set of one normalized text, in plain Python (reference and baseline)."""
    if is_cjk:
        tokens, n, sep = list(text.replace(" ", "")), spec.char_ngram, ""
    else:
        tokens, n, sep = [t for t in text.split(" ") if t], spec.word_ngram, " "
    if not tokens:
        return set()
    if len(tokens) < n:
        return {sep.join(tokens)}
    return {sep.join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}
