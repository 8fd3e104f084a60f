"""Replies cut off before their end: an unclosed code fence, an unclosed bracket or quote, or prose that
stops mid-sentence or mid-word.

"Mid-sentence" is judged only where it is clear: the reply is prose that elsewhere ends its sentences, its
last line is long, and that line stops on a comma or a bare word (English: a lowercase letter or a
function word such as "the"/"and"; Chinese: a Han character, "，" or "、"). Titles, list items, poems with
short lines, one-word answers, worked results ("… = 41 inches") and code do not meet those conditions. Two endings need no other sentence to
show the reply is prose: a long line stopping on an article or "and"/"of"/"to" (no sentence ends there),
and a Chinese clause opened by a conjunction after a comma and cut ("…，然后").

Not truncated, measured on the labeled flags (bench/labels/truncated_response.jsonl, 120 of 377 read):
    ENDS_CLOSED        a reply that ends on a sentence end, a closing quote or bracket is not judged by its
                       unbalanced brackets or quotes: mixed quotes ("…” / ““…”), a stage direction opened with 【
                       and closed with ], the characters '(' talked about, a string literal of punctuation.
    ENDS_ON_FENCE      a reply whose last line is a closing ``` fence stopped where it meant to, whatever stray
                       fence came before it.
    ENDS_ON_URL        a last line ending in a link ("…: https://en.wikipedia.org/wiki/Amygdalin") is not a
                       sentence stopped on a bare word.
    CODE_ASKED         a reply to a request for code (curate/checks/asked_form.py, ASKS_FOR_CODE) is not judged
                       as prose: its last line is code or a comment ("// Output: … true"); a reply cut on a comma
                       or colon ("def loop(n):", a header with no body) still fails.
    FRAGMENT_GIVEN     a reply ending on the comma or colon its prompt ends on rewrites or completes the fragment
                       it was given ("用适当的词完成这首诗" on "…舞蹈，").
The last two read the prompt, only on the rows that fail on the stopped ending alone.
hh-rlhf's replies, cut at a token limit, are the most flagged source and are mostly truly cut off.
"""

from __future__ import annotations

import functools
from typing import Final

import polars as pl

from winnow.curation.checks.asked_form import ASKS_FOR_CODE
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.sanity_text import stripped
from winnow.curation.checks.textexpr import (
    KEEP_TEXT,
    asked_turn,
    on_gated_rows,
    shared,
    unless_prompt_excuses,
)
from winnow.curation.kernels.brackets import unclosed_series

# (openers, closers) whose openers outnumbering their closers means the reply stopped inside them.
# Half- and full-width parentheses count together: machine translation often opens with "（" and closes with ")".
BRACKETS: Final = (("(（", ")）"), ("[", "]"), ("{", "}"), ("【", "】"), ("《", "》"), ("“", "”"))
ENDS_ON_FUNCTION_WORD: Final = (
    r"(?i)\b(?:the|a|an|and|or|but|of|to|in|on|with|for|from|by|is|are|was|that|which)$"
)
# Not ";": SQL statements and HTML entities (&gt;) end on it.
ENDS_ON_COMMA: Final = r"[,，、:：]$|\p{L}[-–]$"  # a hyphen after a letter: a word cut in two
# List items and outline entries end without a full stop by design.
LIST_ITEM: Final = r"^(?:[-*•·+]|\d+[.、)．]|[A-Za-z][.)]\s|[A-Za-z]\d*[:：]|[一二三四五六七八九十]+[、.．])"
# A line that ends complete without a full stop: hashtags, a quotation's attribution ("… ” —— 马登"), or
# a worked result ("Together, they made 192+240 = $432.00 for the team": GSM8K's answers end so).
COMPLETE_ENDING: Final = (
    r"[#＃]\S+$|——|[\"”]\s*[-—–]"
    # the result and its unit or phrase, with no operator, comma or colon after it ("= 40 ×，然后" is cut)
    r"|=\s*[-+]?[$€£¥]?\d[\d,.]*[^\n=×*+,，、:：(（]*$"
)
# Lowercase only: "… 等级：A" and the notes "G A" end on a capital letter, complete.
DANGLING_EN: Final = r"[ \t](?:the|a|an|and|of|to)$"
DANGLING_ZH: Final = r"[，,](?:然后|并且|而且|但是|因为|所以|以及|或者)$"
# ENDS_CLOSED: the last character ends a sentence or closes a quote or bracket (an ASCII quote only after a
# sentence end: alone it may open one).
ENDS_CLOSED: Final = r"[.!?。！？…”’」』)）\]】}》]$|[.!?。！？][\"']$"
ENDS_ON_FENCE: Final = "\n```"
ENDS_ON_URL: Final = r"(?:https?://|www\.)\S+$"
# FRAGMENT_GIVEN: the endings a given fragment can share with its rewrite.
FRAGMENT_ENDING: Final = r"[,，、:：]$"
LAST_LINE_MIN_EN: Final = 40
LAST_LINE_MIN_ZH: Final = 15


@shared("closedcodefree")
def _without_closed_code(body: pl.Expr) -> pl.Expr:
    """Closed ``` blocks and inline `code` blanked out (an unclosed fence is judged on its own); only the
    texts holding a backtick, which both patterns need, are rewritten."""
    return on_gated_rows(body, "`", _blank_closed_code, dtype=pl.String, otherwise=KEEP_TEXT)


def _blank_closed_code(body: pl.Expr) -> pl.Expr:
    return body.str.replace_all(r"(?s)```.*?```", " ").str.replace_all(r"`[^`\n]*`", " ")


def _last_line(body: pl.Expr) -> pl.Expr:
    # = body.str.extract(r"([^\n]*)$", 1) (the text after the last newline), 3x cheaper
    return body.str.split("\n").list.last()


def _unclosed(body: pl.Expr) -> pl.Expr:
    """Some pair of BRACKETS has more openers than closers (one compiled pass: winnow.curation.kernels.brackets)."""
    measure = functools.partial(unclosed_series, pairs=BRACKETS)
    return body.map_batches(measure, return_dtype=pl.Boolean, is_elementwise=True)


# The last character of a reply that stops mid-sentence (`_stops`): a letter (ſ and K fold to s and k under
# (?i)), a Han character, a comma or colon, or a hyphen or dash. The stripped reply ends where its last
# line's trimmed form does, so only replies ending so are examined.
STOPPED_ENDING: Final = r"(?:[A-Za-z\x{17F}\x{212A}]|\p{Han}|[,，、:：\-–])$"


@check("truncated_response")
def truncated_response(text: pl.Expr) -> Check:
    """Fails a reply with an unclosed ``` fence, bracket or quote, or prose that stops mid-sentence."""
    body = stripped(text)
    stops = stops_mid_sentence(body)
    # CODE_ASKED, FRAGMENT_GIVEN: read with the prompt on the failing rows, where only a stopped ending
    # (no cut) can be excused; each failure is evaluated once (unless_prompt_excuses).
    fails = unless_prompt_excuses(
        text,
        cut_inside(body) | stops,
        lambda reply, prompt: ~cut_inside(stripped(reply)) & _stop_explained_by_prompt(reply, prompt),
    )
    return Check(fails=fails, span=body.str.slice(-40))


def cut_inside(body: pl.Expr) -> pl.Expr:
    """An unclosed ``` fence (ENDS_ON_FENCE aside), or brackets or quotes left open outside code
    (ENDS_CLOSED aside: judged by the last two characters)."""
    odd_fence = on_gated_rows(body, "```", _odd_fence)  # counted on the replies holding a fence only
    # Brackets and quotes are judged outside code (code balances its own, and may quote one bracket).
    prose = _without_closed_code(body)
    unclosed = _unclosed(prose)
    odd_quotes = prose.str.count_matches('"', literal=True) % 2 == 1
    unclosed_fence = odd_fence & ~body.str.ends_with(ENDS_ON_FENCE)  # ENDS_ON_FENCE
    unbalanced = ~odd_fence & (unclosed | odd_quotes) & ~body.str.slice(-2).str.contains(ENDS_CLOSED)
    return unclosed_fence | unbalanced


def _odd_fence(body: pl.Expr) -> pl.Expr:
    return body.str.count_matches("```", literal=True) % 2 == 1


def _stop_explained_by_prompt(reply: pl.Expr, prompt: pl.Expr) -> pl.Expr:
    """CODE_ASKED (code has no sentences to stop, but a cut on a comma or colon still fails) or
    FRAGMENT_GIVEN (the reply ends on the comma or colon the prompt ends on)."""
    body = reply.str.strip_chars()
    on_comma = body.str.contains(FRAGMENT_ENDING)
    # what was asked: the last user turn (the input and earlier turns may mention code without asking for it)
    asked = asked_turn()
    code_asked = ASKS_FOR_CODE.named_in(asked) & ~on_comma
    fragment_given = on_comma & (prompt.str.strip_chars().str.slice(-1) == body.str.slice(-1))
    return code_asked | fragment_given


RAW_LAST_LINE: Final = "__raw_last_line"  # on the gated replies: computed once, read eight times


def stops_mid_sentence(body: pl.Expr) -> pl.Expr:
    """`_stops`, examined only on the replies ending as STOPPED_ENDING says (10% of real replies)."""
    return on_gated_rows(
        body,
        STOPPED_ENDING,
        lambda gated: _stops_at(gated, pl.col(RAW_LAST_LINE)),
        columns=lambda gated: {RAW_LAST_LINE: _last_line(gated)},
    )


def _stops(body: pl.Expr) -> pl.Expr:
    """The reply (stripped) stops mid-sentence: its last line is prose cut on a bare word or a comma."""
    return _stops_at(body, _last_line(body))


def _stops_at(body: pl.Expr, raw_last_line: pl.Expr) -> pl.Expr:
    """`_stops`, given the body's last line."""
    last_line = raw_last_line.str.strip_chars()
    length = last_line.str.len_chars()
    # Indented last lines are code (a function body), list items and signed quotes end without a full stop.
    prose_line = (
        ~last_line.str.contains(LIST_ITEM)
        & ~last_line.str.contains(COMPLETE_ENDING)
        & ~last_line.str.contains(ENDS_ON_URL)  # ENDS_ON_URL
        & ~raw_last_line.str.contains(r"^[ \t]{2,}")
    )
    is_prose_en = body.str.contains(r"[a-z][.!?][\s\"')\]]")
    is_prose_zh = body.str.contains(r"[。！？]")
    stops_en = (
        (length >= LAST_LINE_MIN_EN)
        & is_prose_en
        & prose_line
        & (last_line.str.contains(r"[a-z]$") | last_line.str.contains(ENDS_ON_FUNCTION_WORD))
    )
    stops_zh = (length >= LAST_LINE_MIN_ZH) & is_prose_zh & prose_line & last_line.str.contains(r"\p{Han}$")
    stops_on_comma = (length >= 10) & last_line.str.contains(ENDS_ON_COMMA)
    dangling = prose_line & (
        ((length >= LAST_LINE_MIN_EN) & last_line.str.contains(DANGLING_EN))
        | last_line.str.contains(DANGLING_ZH)
    )
    return stops_en | stops_zh | stops_on_comma | dangling
