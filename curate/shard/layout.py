"""Locate assistant replies in ONE rendering of a conversation, with a layout learned once per template.

The prefix method (`winnow.curation.shard.spans`) renders each conversation 1 + 2 x (assistant turns) times. Most of
a template's work around a reply is the same on every row, so it is learned once, at setup, by rendering a
few probe conversations with the prefix method and comparing each located reply with its message content:

    lead        the text the template always puts right before a reply's trained span
                (Qwen3 '<|im_end|>\\n<|im_start|>assistant\\n', Llama 3.1 '...assistant<|end_header_id|>\\n\\n')
    decor       what lies between the lead and the content: `decor_last` before a reply that is the last
                message (Qwen3's empty think block), `decor_mid` before every other reply (usually '')
    close       what follows the content up to the end of the span (the end-of-turn marker '<|im_end|>')

One of lead / close is the anchor: it holds a special token (which the encoder never lets row text contain)
and every probe rendering holds it exactly once per assistant reply. Per row the conversation is rendered
once; if the anchor occurs exactly once per assistant message, the i-th occurrence belongs to the i-th
reply, and the reply is accepted only if lead + decor + content + close sits verbatim at that occurrence.
The span is then decor + content + close, which is what the prefix method yields for the same template;
the layout is adopted only after it reproduces the prefix method's spans on every probe.

A structured tool call (`tool_calls`, no text of its own) has no content to verify; with a lead anchor it
is placed structurally instead: from its lead to the first close after it, provided no special token lies
in between (row text never holds one, so nothing of the next turn can be inside) and every called
function's name is in it. This rule is adopted only if it reproduces the prefix method on a tool-call probe.

Anything else returns None and the caller uses the prefix method for that row: a reply with no text of its
own that is not a structured call, content the template transforms (trimmed, split at `</think>`, ...), an anchor
count that does not match (a template that renders extra turns, a special token written in the text), or a
template whose probes do not agree on one layout.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from winnow.curation.shard.conversation import Conversation

MAX_LEAD = 256  # the lead is template text, never the content of a probe message

# Probe contents: distinct, no surrounding whitespace, no characters a template might escape; user texts end
# differently so the lead (a common suffix) stops at the template's own text.
_Q1, _Q2, _Q3 = "Probe question one?", "Second probe request.", "Third probe ask"
_A1, _A2, _A3 = "Probe answer alpha.", "Probe answer bravo!", "Probe answer charlie"


_CALL = {
    "role": "assistant",
    "content": "",
    "tool_calls": [{"type": "function", "function": {"name": "probe_lookup", "arguments": {"q": "probe"}}}],
}


def _call_probe(tool_role: str) -> list[dict[str, Any]]:
    """A structured tool call between a question and the final reply (for templates that render them)."""
    return [
        {"role": "user", "content": _Q1},
        _CALL,
        {"role": tool_role, "content": "Probe tool result 42"},
        {"role": "assistant", "content": _A2},
    ]


def _probes(tool_role: str) -> list[list[dict[str, Any]]]:
    user = [{"role": "user", "content": q} for q in (_Q1, _Q2, _Q3)]
    reply = [{"role": "assistant", "content": a} for a in (_A1, _A2, _A3)]
    system = {"role": "system", "content": "Probe system prompt."}
    tool = {"role": tool_role, "content": "Probe tool result 42"}
    return [
        [user[0], reply[0]],
        [system, user[0], reply[0], user[1], reply[1]],
        [user[0], reply[0], user[1], reply[1], user[2], reply[2]],
        [user[0], reply[0], tool, reply[1]],
    ]


def _common_suffix(texts: Sequence[str]) -> str:
    first = texts[0][-MAX_LEAD:]
    size = len(first)
    for text in texts[1:]:
        size = min(size, len(text))
        while size and not text.endswith(first[len(first) - size :]):
            size -= 1
    return first[len(first) - size :] if size else ""


@dataclass(frozen=True)
class ReplyLayout:
    """What a template renders around every assistant reply (see the module doc)."""

    lead: str
    decor_mid: str
    decor_last: str
    close: str
    anchor_is_lead: bool
    calls: bool = False  # structured tool calls placed structurally (see the module doc)

    @property
    def anchor(self) -> str:
        return self.lead if self.anchor_is_lead else self.close

    def locate(
        self, full: str, conv: Conversation, markers: re.Pattern[str] | None = None
    ) -> list[tuple[int, int]] | None:
        """[start, end) of every assistant reply in `full`, or None when the layout does not fit this row.

        `markers` matches any special token; without it structured tool calls are not placed.
        """
        messages = conv.messages
        turns = conv.assistant_turns()
        anchor = self.anchor
        at: list[int] = []
        pos = full.find(anchor)
        while pos >= 0:
            at.append(pos)
            if len(at) > len(turns):
                return None
            pos = full.find(anchor, pos + len(anchor))
        if len(at) != len(turns):
            return None
        last = len(messages) - 1
        spans: list[tuple[int, int]] = []
        for i, (k, pos) in enumerate(zip(turns, at, strict=True)):
            message = messages[k]
            content = message.get("content")
            if message.get("tool_calls"):
                limit = at[i + 1] if i + 1 < len(at) else len(full)
                span = self._call(full, pos, limit, message["tool_calls"], markers)
                if span is None:
                    return None
                start, end = span
            elif not content:
                return None
            else:
                body = (self.decor_last if k == last else self.decor_mid) + content
                if self.anchor_is_lead:
                    start = pos + len(self.lead)
                    end = start + len(body) + len(self.close)
                    if not (full.startswith(body, start) and full.startswith(self.close, start + len(body))):
                        return None
                else:
                    start = pos - len(body)
                    end = pos + len(self.close)
                    if start < len(self.lead) or not (
                        full.startswith(body, start) and full.startswith(self.lead, start - len(self.lead))
                    ):
                        return None
            if spans and start < spans[-1][1]:
                return None
            spans.append((start, end))
        return spans

    def _call(
        self, full: str, pos: int, limit: int, calls: list[dict[str, Any]], markers: re.Pattern[str] | None
    ) -> tuple[int, int] | None:
        """The span of a structured tool-call turn whose lead is at `pos` (next lead at `limit`), or None."""
        if not (self.calls and self.anchor_is_lead and markers is not None):
            return None
        start = pos + len(self.lead)
        close = full.find(self.close, start, limit)
        if close < 0 or markers.search(full, start, close):
            return None
        inside = full[start:close]
        for call in calls:
            function = call.get("function", call) if isinstance(call, dict) else None
            name = function.get("name") if isinstance(function, dict) else None
            if not isinstance(name, str) or not name or name not in inside:
                return None
        return start, close + len(self.close)


def learn_layout(
    locate_by_prefixes: Callable[[Conversation], tuple[str, list[tuple[int, int]]]],
    markers: Sequence[str],
    tool_role: str,
    failures: tuple[type[Exception], ...],
    *,
    tool_calls: bool = False,
) -> ReplyLayout | None:
    """The layout the probes agree on, or None (then every row uses the prefix method).

    `locate_by_prefixes(conv)` renders `conv` and returns (full text, reply spans) by the prefix method;
    a probe that raises one of `failures` (a template that refuses a tool role, say) is skipped.
    `tool_calls`: the template renders structured calls, so a tool-call probe decides `calls`.
    """
    located: list[tuple[Conversation, str, list[tuple[int, int]]]] = []
    for messages in _probes(tool_role):
        conv = Conversation(messages, None)
        try:
            full, spans = locate_by_prefixes(conv)
        except failures:
            continue
        located.append((conv, full, spans))
    if len(located) < 3:  # the three probes without a tool turn must all render
        return None
    leads: list[str] = []
    decor: dict[bool, set[str]] = {True: set(), False: set()}
    closes: set[str] = set()
    for conv, full, spans in located:
        turns = conv.assistant_turns()
        if len(spans) != len(turns):
            return None
        for k, (start, end) in zip(turns, spans, strict=True):
            content = conv.messages[k]["content"]
            span = full[start:end]
            if span.count(content) != 1:
                return None
            cut = span.index(content)
            leads.append(full[:start])
            decor[k == len(conv.messages) - 1].add(span[:cut])
            closes.add(span[cut + len(content) :])
    if len(closes) != 1 or len(decor[True]) != 1 or len(decor[False]) != 1:
        return None
    close, decor_last, decor_mid = closes.pop(), decor[True].pop(), decor[False].pop()
    lead = _common_suffix(leads)
    for anchor_is_lead in (True, False):
        layout = ReplyLayout(lead, decor_mid, decor_last, close, anchor_is_lead)
        anchor = layout.anchor
        if not anchor or not any(marker in anchor for marker in markers):
            continue
        if all(layout.locate(full, conv) == spans for conv, full, spans in located):
            return (
                _with_calls(layout, locate_by_prefixes, markers, tool_role, failures)
                if tool_calls
                else layout
            )
    return None


def marker_pattern(markers: Sequence[str]) -> re.Pattern[str] | None:
    """A regex matching any of the special-token strings (None when there are none)."""
    return re.compile("|".join(re.escape(m) for m in markers)) if markers else None


def _with_calls(
    layout: ReplyLayout,
    locate_by_prefixes: Callable[[Conversation], tuple[str, list[tuple[int, int]]]],
    markers: Sequence[str],
    tool_role: str,
    failures: tuple[type[Exception], ...],
) -> ReplyLayout:
    """`layout` with `calls` on if structural placement reproduces the prefix method on the call probe."""
    candidate = ReplyLayout(**{**layout.__dict__, "calls": True})
    conv = Conversation(_call_probe(tool_role), None)
    try:
        full, spans = locate_by_prefixes(conv)
    except failures:
        return layout
    return candidate if candidate.locate(full, conv, marker_pattern(markers)) == spans else layout
