"""Shingles by script, chosen per row: word n-grams for space-delimited text, character n-grams for CJK.

`shingle_frame` explodes a batch of normalized texts into (doc, shingle) rows entirely in Polars: tokens are
exploded once and an n-gram is the token concatenated with its next n-1 neighbours of the same document.
A document shorter than n tokens gives one shingle (all its tokens), so short rows still have a signature.
Signing cuts and hashes the same shingles in one compiled pass (winnow.curation.dedup.shingle_kernel).
`python_shingles` is the same definition in plain Python (the per-document baseline and the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from winnow.curation.dedup.normalize import cjk_share
from winnow.curation.dedup.script_kernel import by_character


@dataclass(frozen=True)
class ShingleSpec:
    word_ngram: int = 3
    char_ngram: int = 3
    cjk_share: float = 0.3
    hash: str = "mix64"  # how a shingle is hashed: mix64 (shingle_mix) or sha1 (datasketch's sha1_hash32)


def prepared(texts: pl.Series, spec: ShingleSpec) -> pl.DataFrame:
    """doc (row index), text, and is_cjk (shingle by character) for normalized texts."""
    text = texts.cast(pl.String).alias("text")
    frame = pl.DataFrame({"text": text}).with_row_index("doc")
    return frame.with_columns(by_character(text, threshold=spec.cjk_share))  # = cjk_share(text) >= threshold


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

    Texts must be normalized (`winnow.curation.dedup.near.near_texts`: single spaces, no leading or trailing
    space), so that splitting on " " gives no empty tokens. Null or empty texts give no shingles.
    `is_cjk` (per text) skips the script detection when the caller already has it.
    """
    parts = [ngram_strings(tokens, n, sep) for tokens, n, sep in script_tokens(texts, spec, is_cjk)]
    if not parts:
        return pl.DataFrame(schema={"doc": pl.UInt32, "shingle": pl.String})
    return pl.concat(parts).with_columns(pl.col("doc").cast(pl.UInt32)).sort("doc", maintain_order=True)


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
