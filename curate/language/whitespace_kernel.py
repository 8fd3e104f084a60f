"""`collapsed_whitespace` (winnow.curation.language.scripts) by dedup's compiled normalizing pass.

    measured = collapsed(without_markup_and_numbers_texts)     # as collapsed_whitespace(...) gives it

The last step of measuring a text, each run of `\\s` one space and none at the ends, is the costliest regex pass of
the language stage's script pass (~1.8 s for 1M distinct prompts). winnow.curation.dedup.normalize_kernel does
the same without case folding (`normalize_texts(fold=False)`: its whitespace class is a table Polars' own `\\s`
filled, held equal to the expression on every code point by tests/dedup/test_dedup_normalize_kernel.py), except
that it makes an empty result null: here an empty text stays empty and only a null stays null.
"""

from __future__ import annotations

import polars as pl

from winnow.curation.dedup.normalize_kernel import normalize_texts


def collapsed(texts: pl.Series) -> pl.Series:
    """collapsed_whitespace of each text (null for a null text)."""
    out = normalize_texts(texts, fold=False, punctuation=False)
    both = pl.DataFrame({"text": texts, "out": out})
    return both.select(
        pl.when(pl.col("text").is_null()).then(None).otherwise(pl.col("out").fill_null(""))
    ).to_series()
