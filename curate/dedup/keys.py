"""Normalized dedup texts of rows, their hashes, and representatives' texts cut on demand.

    texts = document_texts(frame, "conversation", punctuation_blind=False)   # __key, __prompt, __reply
    hashes = text_hashes(texts)        # __g1, __g2 (the exact key), __d1, __d2 (the document: key and parts)
    reps_key = RepTexts(RepTextSource(frame, rep_rows, key, blind), "__key")   # .gather(i): normalized when asked

Normalizing every row (NFKC, lower case, whitespace) is the costliest part of a dedup re-run that reuses
signatures and pair measures (winnow.curation.dedup.memo): its hashes are a function of the rows' content, so
the memo keeps them per content (a stage-cache entry) and a re-run groups exact keys by hash and normalizes
only the texts it still has to sign or measure. Hashes are Polars' (128 bits per text, two seeds; Polars'
version is in every cache key).
"""

from __future__ import annotations

from typing import Final, Protocol

import numpy as np
import polars as pl

from winnow.curation.dedup.normalize import conversation_parts, key_expr
from winnow.curation.dedup.normalize_kernel import normalize_texts

PART_COLUMNS: Final = ("__prompt", "__reply")
HASH_COLUMNS: Final = ("__g1", "__g2", "__d1", "__d2")
_SEEDS: Final = (0x5EED_D0C1, 0x5EED_D0C2, 0x5EED_D0C3, 0x5EED_D0C4)


class Texts(Protocol):
    """A column of texts by position (a Series, or texts normalized when asked)."""

    def gather(self, indices: np.ndarray) -> pl.Series: ...

    def __len__(self) -> int: ...


def raw_columns(key: str) -> list[pl.Expr]:
    """The texts `document_texts` normalizes: the key's text as `__key`, or for the conversation key its
    two parts (PART_COLUMNS), from which the key is made."""
    if key == "conversation":
        return [part.alias(name) for part, name in zip(conversation_parts(), PART_COLUMNS, strict=True)]
    return [key_expr(key).alias("__key")]


def normalized_columns(raw: pl.DataFrame, key: str, punctuation_blind: bool) -> pl.DataFrame:
    """`__key` (null when empty) and, for the conversation key, the parts first: `raw_columns`' texts
    normalized (winnow.curation.dedup.normalize_kernel), the conversation key the two parts joined by a
    space, which is what normalizing the joined text gives."""
    texts = pl.DataFrame(
        [normalize_texts(raw[name], fold=True, punctuation=punctuation_blind) for name in raw.columns]
    )
    if key != "conversation":
        return texts
    whole = pl.concat_str(list(map(pl.col, PART_COLUMNS)), separator=" ", ignore_nulls=True)
    return texts.with_columns(whole.replace("", None).alias("__key"))


def document_texts(frame: pl.DataFrame | pl.LazyFrame, key: str, punctuation_blind: bool) -> pl.DataFrame:
    """__key (null when empty) and, for the conversation key, the parts, of every row."""
    raw = frame.lazy().select(raw_columns(key)).collect()
    return normalized_columns(raw, key, punctuation_blind)


def text_hashes(texts: pl.DataFrame) -> pl.DataFrame:
    """Per row: __g1, __g2 (the exact key; null without one) and __d1, __d2 (the document: the key and its
    parts, what signatures and pair measures are stored under)."""
    key = pl.col("__key")
    document = pl.struct([pl.col(c) for c in texts.columns])
    has_key = key.is_not_null()
    return texts.select(
        pl.when(has_key).then(key.hash(_SEEDS[0])).alias("__g1"),
        pl.when(has_key).then(key.hash(_SEEDS[1])).alias("__g2"),
        document.hash(_SEEDS[2]).alias("__d1"),
        document.hash(_SEEDS[3]).alias("__d2"),
    )


# Cutting a few rows' texts costs ~60 us a row (a gather of the rows' list columns, then normalizing them),
# normalizing every row of the frame at once ~10 us a row: past this share of the frame's rows asked for,
# the texts of every row are made once and gathered from (a dedup-threshold re-run at 1M rows asked for
# 570k documents' texts a few thousand at a time: ~200 CPU-s, where all of them cost 19)
WHOLE_SHARE: Final = 1 / 6


class RepTextSource:
    """The normalized texts of the representatives (frame rows `rows`), cut from their rows when asked, or
    made for every row at once when so many are asked for that it costs less (WHOLE_SHARE)."""

    def __init__(self, frame: pl.DataFrame, rows: np.ndarray, key: str, punctuation_blind: bool) -> None:
        read = {name for expr in raw_columns(key) for name in expr.meta.root_names()}
        self.frame = frame.select([c for c in frame.columns if c in read])  # what the texts are cut from
        self.rows, self.key, self.punctuation_blind = rows, key, punctuation_blind
        self.asked = 0
        self.whole: pl.DataFrame | None = None  # every representative's texts, once made

    def gather(self, indices: np.ndarray, column: str) -> pl.Series:
        indices = np.asarray(indices, dtype=np.int64)
        if self.whole is None:
            self.asked += len(indices)
            if self.asked > WHOLE_SHARE * self.frame.height:
                texts = document_texts(self.frame, self.key, self.punctuation_blind)
                self.whole = texts[self.rows]
        if self.whole is not None:
            return self.whole[column].gather(indices)
        picked = self.frame[self.rows[indices]]
        return document_texts(picked, self.key, self.punctuation_blind)[column]


class RepTexts:
    """One normalized text column of the representatives, cut from their frame rows when asked (a re-run
    asks for few: the documents to sign and the pairs to measure)."""

    def __init__(self, source: RepTextSource, column: str) -> None:
        self.source, self.column = source, column

    def __len__(self) -> int:
        return len(self.source.rows)

    def gather(self, indices: np.ndarray) -> pl.Series:
        return self.source.gather(indices, self.column)
