"""Normalized dedup texts of rows, their hashes, and representatives' texts cut on demand.

    texts = document_texts(frame, "conversation", punctuation_blind=False)   # __key, __prompt, __reply
    hashes = text_hashes(texts)        # __g1, __g2 (the exact key), __d1, __d2 (the document: key and parts)
    reps_key = RepTexts(frame, rep_rows, "__key", config)    # .gather(indices): normalized when asked

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

from winnow.curation.dedup.normalize import conversation_parts, key_expr, normalized

PART_COLUMNS: Final = ("__prompt", "__reply")
HASH_COLUMNS: Final = ("__g1", "__g2", "__d1", "__d2")
_SEEDS: Final = (0x5EED_D0C1, 0x5EED_D0C2, 0x5EED_D0C3, 0x5EED_D0C4)


class Texts(Protocol):
    """A column of texts by position (a Series, or texts normalized when asked)."""

    def gather(self, indices: np.ndarray) -> pl.Series: ...

    def __len__(self) -> int: ...


def text_columns(key: str, punctuation_blind: bool) -> list[list[pl.Expr]]:
    """Expression layers giving `__key` (and, for the conversation key, its parts PART_COLUMNS first: the
    key is the two joined by a space, which is what normalizing the joined text gives)."""
    if key == "conversation":
        parts = [
            normalized(part, punctuation_blind=punctuation_blind).alias(name)
            for part, name in zip(conversation_parts(), PART_COLUMNS, strict=True)
        ]
        whole = pl.concat_str(list(map(pl.col, PART_COLUMNS)), separator=" ", ignore_nulls=True)
        return [parts, [whole.replace("", None).alias("__key")]]
    return [[normalized(key_expr(key), punctuation_blind=punctuation_blind).alias("__key")]]


def document_texts(frame: pl.DataFrame | pl.LazyFrame, key: str, punctuation_blind: bool) -> pl.DataFrame:
    """__key (null when empty) and, for the conversation key, the parts, of every row."""
    layers = text_columns(key, punctuation_blind)
    names = [expr.meta.output_name() for layer in layers for expr in layer]
    rows = frame.lazy()  # lazy: common subexpressions computed once
    for layer in layers:
        rows = rows.with_columns(layer)
    return rows.select(names).collect()


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


class RepTexts:
    """One normalized text column of the representatives, cut from their frame rows when asked (a re-run
    asks for few: the documents to sign and the pairs to measure)."""

    def __init__(
        self, frame: pl.DataFrame, rows: np.ndarray, column: str, key: str, punctuation_blind: bool
    ) -> None:
        self.frame, self.rows, self.column = frame, rows, column
        self.key, self.punctuation_blind = key, punctuation_blind

    def __len__(self) -> int:
        return len(self.rows)

    def gather(self, indices: np.ndarray) -> pl.Series:
        picked = self.frame[self.rows[np.asarray(indices, dtype=np.int64)]]
        return document_texts(picked, self.key, self.punctuation_blind)[self.column]
