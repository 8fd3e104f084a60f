"""A text too short to name its language can still rule languages out by its script.

"Сцена первая." is two words: too few for the n-gram detector, so its language is "und". But no English
is written in Cyrillic: under `allowed: [en]` it is not allowed, whichever Cyrillic language it is. So a
text the detector left "und" fails `language_not_allowed` when the script of most of its letters is none
of the allowed languages' scripts (en → Latin; zh → Han; ja → Han, kana; ko → Hangul, Han). A text of
letters mostly outside the script table (Ethiopic, Khmer, …) is no allowed language either. A text without
letters (numbers, code, emoji) rules nothing out, and a short Latin text under `allowed: [en]` stays "und":
Latin is English's script as much as German's.

Only texts already "und" are measured (few), with the same measured text and counts as the language pass.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from winnow.curation.language.resolve import resolve_inputs
from winnow.curation.language.scripts import measured_text, purity_groups, script_counts

OTHER_SCRIPT = "other"  # mostly letters of scripts outside the table


def text_scripts(texts: pl.Series) -> pl.Series:
    """The script group of most of each text's (weighted) letters, the CJK groups told apart the way the
    resolver tells them (Hangul, then kana, then Han); OTHER_SCRIPT for scripts outside the table; null for
    a text without letters."""
    hangul, kana, han = pl.col("n_hangul"), pl.col("n_kana"), pl.col("n_han")
    cjk = (
        pl.when((hangul > 0) & (hangul >= kana) & (hangul * 2 >= han))
        .then(pl.lit("hangul"))
        .when((kana > 0) & (kana * 20 >= han))
        .then(pl.lit("kana"))
        .otherwise(pl.lit("han"))
    )
    script = (
        pl.when(pl.col("w_letters") == 0)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("w_known") * 2 < pl.col("w_letters"))
        .then(pl.lit(OTHER_SCRIPT))
        .when(pl.col("dominant") == "cjk")
        .then(cjk)
        .otherwise(pl.col("dominant"))
    )
    return (
        pl.DataFrame({"text": texts}, schema={"text": pl.String})
        .with_columns(measured_text(pl.col("text")).alias("measured"))
        .with_columns(*script_counts(pl.col("measured")))
        .with_columns(resolve_inputs())
        .select(script.alias("script"))
        .to_series()
    )


def allowed_scripts(allowed: Iterable[str]) -> frozenset[str]:
    """Script groups the allowed languages are written in."""
    return frozenset(group for lang in allowed for group in purity_groups(lang))


def excluded_by_script(texts: pl.Series, allowed: Iterable[str]) -> pl.Series:
    """Per text: its letters are mostly in a script none of `allowed` is written in (null text: false)."""
    scripts = text_scripts(texts)
    return (scripts.is_not_null() & ~scripts.is_in(list(allowed_scripts(allowed)))).fill_null(False)
