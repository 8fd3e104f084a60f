"""Malformed conversations: roles out of order, the wrong last turn, empty turns, a turn said twice.

Role order: the first turn is the user's; user and assistant alternate; a tool result follows a tool call
(or another tool result); a tool call comes from the assistant's side (after a user turn or a tool result).
Last turn: sft and kto rows end on the reply being trained (assistant or tool_call); a preference prompt
ends on the user (its replies are `chosen` / `rejected`). Pretrain rows have no conversation and pass.
"""

from __future__ import annotations

from typing import Annotated, Final

import polars as pl

from curate.checks.params import NON_NEGATIVE
from curate.checks.registry import Check, check
from curate.checks.sanity_text import contents, kind_is, normalized, roles
from curate.checks.textexpr import field_text, shared

_ROLE_CODES: Final = {"user": "u", "assistant": "a", "tool_call": "c", "tool": "t"}
# Two-letter role sequences that cannot happen in a well-formed conversation, and a first turn not the user's.
BAD_ORDER: Final = r"^[act]|uu|aa|ut|at|tu|ca"
HEAD_CHARS: Final = 24  # characters of each turn's opening screened before whole turns are compared
HEAD_KEY: Final = 4  # normalized characters of the opening compared
SCREENED_TURNS: Final = 8  # longer conversations skip the screen


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
    # Normalizing every message in full was nearly all of this check's cost, so conversations are first
    # screened on their turns' openings (`_may_repeat`); only those that pass are normalized in full.
    candidates = pl.when(_may_repeat()).then(contents()).otherwise(pl.lit([], dtype=pl.List(pl.String)))
    turns = candidates.list.eval(normalized(pl.element()))  # once per message (not three times)
    same = turns.list.eval(
        (pl.element() == pl.element().shift(1)) & (pl.element().str.len_chars() >= min_chars)
    ).list.any()
    return Check(fails=_with_turns() & same)


@shared("openings")
def _openings(turns: pl.Expr) -> pl.Expr:
    """Per turn: the first HEAD_KEY normalized characters of its first HEAD_CHARS ("" with a Σ there)."""
    head = pl.element().str.slice(0, HEAD_CHARS)
    return turns.list.eval(
        pl.when(head.str.contains("Σ", literal=True))
        .then(pl.lit(""))
        .otherwise(normalized(head).str.slice(0, HEAD_KEY))
    )


def _may_repeat() -> pl.Expr:
    """False only for conversations with no two adjacent turns that can be equal once normalized.

    Two equal turns have the same first HEAD_KEY normalized characters, and those come from their first
    HEAD_CHARS characters when that many are there (an opening with fewer passes). Lowercasing is per
    character except for Σ (its lowercase depends on what follows): an opening with a Σ passes too.
    Adjacent openings are compared with `list.get` (a `shift` inside `list.eval` cost more than it
    saved); conversations longer than SCREENED_TURNS always pass.
    """
    openings = _openings(field_text("messages"))
    pairs = []
    for i in range(1, SCREENED_TURNS):
        before, turn = openings.list.get(i - 1, null_on_oob=True), openings.list.get(i, null_on_oob=True)
        pairs.append(
            (turn == before) | (turn.str.len_chars() < HEAD_KEY) | (before.str.len_chars() < HEAD_KEY)
        )
    return pl.any_horizontal(pairs).fill_null(False) | (contents().list.len() > SCREENED_TURNS)
