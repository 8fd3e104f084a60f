"""Malformed conversations: roles out of order, the wrong last turn, empty turns, a turn said twice.

Role order: the first turn is the user's; user and assistant alternate; a tool result follows a tool call
(or another tool result); a tool call comes from the assistant's side (after a user turn or a tool result).
Last turn: sft and kto rows end on the reply being trained (assistant or tool_call); a preference prompt
ends on the user (its replies are `chosen` / `rejected`). Pretrain rows have no conversation and pass.
"""

from __future__ import annotations

import functools
from typing import Annotated, Final

import polars as pl

from winnow.curation.checks.params import NON_NEGATIVE
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.sanity_text import contents, kind_is, normalized, roles
from winnow.curation.checks.textexpr import field_text
from winnow.curation.kernels.casefold import flags_deciding_sigma
from winnow.curation.kernels.repeated_turns import repeated_turn_series

_ROLE_CODES: Final = {"user": "u", "assistant": "a", "tool_call": "c", "tool": "t"}
# Two-letter role sequences that cannot happen in a well-formed conversation, and a first turn not the user's.
BAD_ORDER: Final = r"^[act]|uu|aa|ut|at|tu|ca"


def _with_turns() -> pl.Expr:
    return ~kind_is("pretrain") & (pl.col("messages").list.len() > 0)


@check("conversation_role_order", scope="row")
def conversation_role_order() -> Check:
    """Fails a conversation that does not open with the user or whose roles do not alternate."""
    codes = (
        roles()
        .list.eval(pl.element().replace_strict(_ROLE_CODES, default="?", return_dtype=pl.String))
        .list.join("")
    )
    return Check(fails=_with_turns() & codes.str.contains(BAD_ORDER), span=codes)


@check("conversation_last_turn", scope="row")
def conversation_last_turn() -> Check:
    """Fails sft/kto rows not ending on the assistant, and preference prompts not ending on the user."""
    last = roles().list.last()
    reply_kinds = kind_is("sft", "kto") & ~last.is_in(["assistant", "tool_call"]).fill_null(False)
    prompt_kinds = kind_is("preference") & (last != "user").fill_null(True)
    return Check(fails=reply_kinds | prompt_kinds, span=last)


@check("conversation_empty_turn", scope="row")
def conversation_empty_turn() -> Check:
    """Fails a conversation with a turn whose content is missing, empty or whitespace."""
    empty = contents().list.eval(pl.element().fill_null("").str.strip_chars().str.len_chars() == 0).list.any()
    return Check(fails=_with_turns() & empty)


@check("conversation_repeated_turn", scope="row")
def conversation_repeated_turn(min_chars: Annotated[int, NON_NEGATIVE] = 8) -> Check:
    """Fails a conversation where a turn of >= min_chars repeats the turn before it (case, punctuation aside).

    Short turns are left alone: "你好" answered with "你好！" is a greeting, not a duplicated turn.
    """
    measure = functools.partial(_repeat_flags, min_chars=min_chars)
    same = field_text("messages").map_batches(measure, return_dtype=pl.Boolean, is_elementwise=True)
    return Check(fails=_with_turns() & same)


def _repeat_flags(turns: pl.Series, min_chars: int) -> pl.Series:
    """One compiled pass compares the normalized turns (winnow.curation.kernels.repeated_turns); conversations it
    leaves undecided (a Σ, whose lowercase depends on context) are compared with `repeats`."""

    def by_polars(rows: pl.Series) -> pl.Series:
        return rows.to_frame("t").select(repeats(pl.col("t"), min_chars)).to_series()

    return flags_deciding_sigma(repeated_turn_series(turns, min_chars=min_chars), turns, by_polars)


def repeats(turns: pl.Expr, min_chars: int) -> pl.Expr:
    """The Polars definition of a repeated turn over a list of turns (the kernel's, Σ aside)."""
    normal = turns.list.eval(normalized(pl.element()))
    return normal.list.eval(
        (pl.element() == pl.element().shift(1)) & (pl.element().str.len_chars() >= min_chars)
    ).list.any()
