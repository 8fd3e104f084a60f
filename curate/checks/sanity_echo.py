"""A reply that only repeats the prompt: equal to the instruction or to the input once case, whitespace and
a final full stop / question mark are ignored, or opening with the whole (long enough) instruction copied out.
Punctuation inside the text counts: "add the missing punctuation" answered with the punctuated sentence, or a
code fix that adds a colon, is an answer, not an echo.

Equal to the input also catches "edit this sentence" rows whose output is the unchanged input: a real
defect class of generated data (the example teaches that doing nothing is the answer)."""

from __future__ import annotations

from typing import Annotated

import polars as pl

from curate.checks.params import NON_NEGATIVE
from curate.checks.registry import Check, check
from curate.checks.textexpr import field_text, shared


@shared("comparable")
def _comparable(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().str.replace_all(r"\s+", "").str.strip_chars(".。!！?？")


# Rows are screened before comparable texts are built (a few percent pass): a reply can only equal or open
# with a text whose comparable form starts with the same KEY_CHARS characters, and those are read from
# the first OPENING_CHARS characters of each text.
OPENING_CHARS = 24
KEY_CHARS = 4


@shared("opening")
def _opening(text: pl.Expr) -> pl.Expr:
    return text.str.slice(0, OPENING_CHARS)


@shared("echokey")
def _key(text: pl.Expr) -> pl.Expr:
    """The comparable text's first KEY_CHARS characters, from its opening; null where the opening does not
    tell: fewer than KEY_CHARS comparable characters in a longer text, or a Σ (lowercasing is per character
    except for Σ, whose lowercase depends on what follows). A null text has key "" (it never echoes)."""
    opening = _opening(text)
    comparable = _comparable(opening)
    return (
        pl.when(text.is_null())
        .then(pl.lit(""))
        .when(opening.str.contains("Σ", literal=True))
        .then(pl.lit(None, dtype=pl.String))
        .when(text.str.len_chars() <= OPENING_CHARS)  # the whole text: its comparable form exactly
        .then(comparable.str.slice(0, KEY_CHARS))
        .when(comparable.str.len_chars() >= KEY_CHARS)
        .then(comparable.str.slice(0, KEY_CHARS))
    )


def _may_echo(reply: pl.Expr, instruction: pl.Expr, given: pl.Expr) -> pl.Expr:
    keys = [_key(text) for text in (reply, instruction, given)]
    same = [(keys[0] == other).fill_null(False) for other in keys[1:]]
    return pl.any_horizontal([*same, *(key.is_null() for key in keys)])


@check("response_echoes_prompt", scope="row")
def response_echoes_prompt(min_prefix_chars: Annotated[int, NON_NEGATIVE] = 20) -> Check:
    """Fails a reply equal to the instruction or input, or opening with the whole instruction."""
    texts = field_text("response"), field_text("instruction"), field_text("input")
    screened = _may_echo(*texts)
    # Rows screened out get an empty reply: no reply, no failure (as the full comparison finds there).
    reply, instruction, given = (
        _comparable(pl.when(screened).then(text).otherwise(pl.lit(""))) for text in texts
    )
    has_reply = reply.str.len_chars() > 0
    equal_instruction = reply == instruction
    equal_input = ((given.str.len_chars() > 0) & (reply == given)).fill_null(False)
    opens_with_instruction = (instruction.str.len_chars() >= min_prefix_chars) & reply.str.starts_with(
        instruction
    )
    echoes = equal_instruction.fill_null(False) | equal_input | opens_with_instruction.fill_null(False)
    return Check(fails=has_reply & echoes)
