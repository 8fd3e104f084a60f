"""`--truncate`: cut the last reply of a row over max_len at the last sentence end that fits.

The prompt, the assistant header, the end-of-turn marker (the special tokens that close the reply) and
whatever follows it are kept whole; only the reply's own text is shortened, and only to a place where a
person could have stopped: right after a sentence end (。！？, or . ! ? followed by whitespace on a line
holding some word, so not a list number "5."; closing quotes and brackets allowed after it) or at a line
break. A reply holding a code fence (```) is cut at a line break only, never inside a line. The kept text
must hold some of the reply's own words after any reasoning block (`</think>`), so a cut never keeps just
template decoration or half of the reasoning.

A row with no such place within max_len is not cut mid-thought: it is dropped with reason
`too_long_no_sentence_end` (a row whose prompt alone does not leave room for one reply token stays `too_long`).

The cut falls between two tokens: the kept part is a token prefix of the reply, so the labels of what is kept
are the reply's own labels, and the tokens that remain are the tokens the full rendering had there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from winnow.curation.shard.labels import Labelled

SENTENCE_ENDS = frozenset("。！？.!?")
FULL_WIDTH_ENDS = frozenset("。！？")  # end a sentence with no space after them (Chinese, Japanese)
CLOSERS = "\"'”’)]）」』】"  # may follow a sentence end: `He said "Stop."`
CODE_FENCE = "```"
REASONING_CLOSE = "</think>"

TOO_LONG = "too_long"
NO_SENTENCE_END = "too_long_no_sentence_end"


@dataclass(frozen=True)
class ReplyText:
    """The characters of the last reply and where its tokens' characters are.

    `offsets[t - shift]` is the character range of token t of the row (`shift` tokens, a bos, come first
    without offsets); `span` is the reply's [start, end) in `text`.
    """

    text: str
    offsets: Sequence[tuple[int, int]]
    span: tuple[int, int]
    shift: int = 0


def _body_start(reply: ReplyText) -> int:
    """Where the reply's own words start: after the last `</think>` of the span, else the span start."""
    s, e = reply.span
    at = reply.text.rfind(REASONING_CLOSE, s, e)
    return at + len(REASONING_CLOSE) if at >= 0 else s


def _ends_sentence(text: str, body: int, end: int, code: bool) -> bool:
    """True when text[body:end] (the kept reply words) stops at a line break or, outside code, a sentence end."""
    kept = text[body:end]
    if not kept.strip():
        return False
    if kept.endswith("\n") or text.startswith("\n", end):
        return True
    if code:
        return False
    words = kept.rstrip()
    core = words.rstrip(CLOSERS)
    if not core or core[-1] not in SENTENCE_ENDS:
        return False
    if core[-1] in FULL_WIDTH_ENDS:
        return True
    line = core[core.rfind("\n") + 1 : -1]
    if not any(ch.isalpha() for ch in line):
        return False  # a list number ("5.") or a bare figure, not the end of a sentence
    after = body + len(words)  # the character after the end (and its closers)
    return after < len(text) and text[after].isspace()


def last_sentence_cut(reply: ReplyText, first: int, limit: int) -> int | None:
    """The largest k in (first, limit] such that tokens [first, k) end the reply at a sentence end or line
    break (see the module doc), with the cut between two tokens that share no character; None when none."""
    text, offsets, shift = reply.text, reply.offsets, reply.shift
    body = _body_start(reply)
    code = CODE_FENCE in text[reply.span[0] : reply.span[1]]
    for k in range(limit, max(first, shift), -1):
        start, end = offsets[k - 1 - shift]
        if end <= body or offsets[k - shift][0] < end or not text[start:end].strip():
            continue  # before the words, a character split between tokens, or a whitespace-only token
        if _ends_sentence(text, body, end, code):
            return k
    return None


def truncate_last_reply(
    item: Labelled, max_len: int, special_ids: frozenset[int], reply: ReplyText
) -> tuple[Labelled | None, str]:
    """(the row cut to max_len, '') or (None, reason): see the module doc. A row that fits is returned as is."""
    n = len(item.input_ids)
    if n <= max_len:
        return item, ""
    if not item.reply_tokens:
        return None, TOO_LONG
    i0, i1 = item.reply_tokens[-1]
    eot = i1
    while eot > i0 and item.input_ids[eot - 1] in special_ids:
        eot -= 1
    room = max_len - (i0 + (i1 - eot) + (n - i1))
    if room < 1 or room >= eot - i0:
        return None, TOO_LONG
    k = last_sentence_cut(reply, i0, i0 + room)
    if k is None:
        return None, NO_SENTENCE_END
    keep = [*range(k), *range(eot, n)]
    ids = [item.input_ids[i] for i in keep]
    labels = [item.labels[i] for i in keep]
    ranges = [*item.reply_tokens[:-1], (i0, k + (i1 - eot))]
    return Labelled(ids, labels, ranges), ""
