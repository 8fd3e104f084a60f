"""Expression helpers shared by the sanity checks (sanity_*.py); this module registers no check.

Sanity checks ask whether a row is a sensible training example at all (an answer exists, answers the
question, is complete, is not boilerplate), in Chinese and English alike. Each is a Polars expression.
The text helpers are `shared` derivations: on a field the checks stage materialized they name a column
computed once for every check that asks (see winnow.curation.checks.textexpr).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from winnow.curation.checks.textexpr import KEEP_TEXT, on_gated_rows, shared

# Characters that render as nothing: a reply made only of these is empty.
_INVISIBLE: Final = r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]"


@shared("stripped")
def stripped(text: pl.Expr) -> pl.Expr:
    """The text without invisible characters and surrounding whitespace."""
    return text.str.replace_all(_INVISIBLE, "").str.strip_chars()


def blank(text: pl.Expr) -> pl.Expr:
    """True for empty or whitespace-only text, null for null text."""
    return stripped(text).str.len_chars() == 0


def missing(text: pl.Expr) -> pl.Expr:
    """True for null, empty or whitespace-only text (never null)."""
    return blank(text).fill_null(True)


@shared("normalized")
def normalized(text: pl.Expr) -> pl.Expr:
    """Lowercase, with whitespace, punctuation and symbols removed: for "is this the same text" tests."""
    return text.str.to_lowercase().str.replace_all(r"[\s\p{P}\p{S}]+", "")


def _remove_code(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_all(r"(?s)```.*?```", " ")
        .str.replace_all(r"(?s)```.*$", " ")
        .str.replace_all(r"`[^`\n]*`", " ")
    )


@shared("nocode")
def without_code(text: pl.Expr) -> pl.Expr:
    """The text with fenced code blocks (closed or running to the end) and inline code removed.

    Every pattern needs a backtick, so only texts holding one (0.3% of real replies) are rewritten: the
    three passes over every reply cost 0.85 CPU-s per 1M rows, most of it `(?s)```.*$`."""
    return on_gated_rows(text, "`", _remove_code, dtype=pl.String, otherwise=KEEP_TEXT)


def kind_is(*kinds: str) -> pl.Expr:
    return pl.col("kind").cast(pl.String).is_in(list(kinds))


def roles() -> pl.Expr:
    """List of the roles of the row's messages."""
    return pl.col("messages").list.eval(pl.element().struct.field("role"))


def contents() -> pl.Expr:
    """List of the contents of the row's messages."""
    return pl.col("messages").list.eval(pl.element().struct.field("content"))
