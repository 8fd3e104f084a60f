"""Preference and KTO rows that cannot teach a preference: chosen == rejected, an empty side, no label."""

from __future__ import annotations

import polars as pl

from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.sanity_text import kind_is, missing, stripped


@check("preference_identical_pair", scope="row")
def preference_identical_pair() -> Check:
    """Fails a preference row whose chosen and rejected replies are the same text (whitespace aside)."""
    chosen, rejected = stripped(pl.col("chosen")), stripped(pl.col("rejected"))
    return Check(fails=kind_is("preference") & (chosen.str.len_chars() > 0) & (chosen == rejected))


@check("preference_empty_side", scope="row")
def preference_empty_side() -> Check:
    """Fails a preference row whose chosen or rejected reply is missing, empty or whitespace."""
    return Check(fails=kind_is("preference") & (missing(pl.col("chosen")) | missing(pl.col("rejected"))))


@check("kto_missing_label", scope="row")
def kto_missing_label() -> Check:
    """Fails a KTO row without its desirable/undesirable label."""
    return Check(fails=kind_is("kto") & pl.col("label").is_null())
