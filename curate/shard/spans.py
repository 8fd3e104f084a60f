"""Locate, in the rendered conversation, the characters of each assistant reply: by rendering, never by search.

For the assistant turn at index k:

    prefix = render(messages[:k], add_generation_prompt=True)    # everything up to and including the header
    upto   = render(messages[:k+1])                              # ... through the reply's end-of-turn marker

`prefix` must be a string prefix of `upto` (else the template is not usable for masking: error naming the
template and the turn), and the reply is `upto[len(prefix):]`, cut right after its end-of-turn marker (the
newline some templates put after the marker belongs to the next turn and is not trained).

Normally `upto` is also a prefix of the full rendering and the reply sits at the same offsets there. Qwen3's
template breaks this: it renders an empty `<think>\\n\\n</think>\\n\\n` before the *final* assistant reply only,
so the reply of `messages[:k+1]` carries a think block that the full rendering does not have at turn k. Then
the reply is located again in the full rendering: it starts where `prefix` ends (which must still be a
prefix of the full rendering) and is the longest tail of the reply that the full rendering has at that place;
the part cut away must be template decoration, never the assistant's own text -- except reasoning: a reply
written as `<think>...</think>answer` is rendered with its reasoning when it is last but, by Qwen3's template,
without it at an earlier turn. The full rendering is what is tokenized (ids equal apply_chat_template's), so
there only the answer and its end-of-turn marker are labelled (`visible_reply`).

Decision (documented in the manifest as `masking.think_block`): the empty think block that Qwen3 renders
before the final reply is trained, like every other character the template puts between the assistant header
and the end-of-turn marker. At inference with thinking enabled (Qwen3's default) the model writes that block
itself, so a model fine-tuned on replies without reasoning must learn to emit it; earlier turns carry no
think block in the full rendering, so nothing is trained there. A reply's own reasoning is trained where the
template renders it (the final reply) and not where the template drops it (earlier replies): the labels
follow the text the model is shown, never text that is not in the input_ids.

A row whose replies cannot be located (a template that transforms this row's text beyond the above) is
dropped with reason `reply_not_located` when the template masked the probe conversations; a template that
cannot mask even the probes is unusable and raises for the first row.

Speed: rows whose replies fit the layout learned once per template (`winnow.curation.shard.layout`, from probe
conversations located by the method above) are located in the single full rendering, with no prefix
renders; every other row (tool calls without text, content the template transforms, ...) falls back to the
prefix method. `Rendered.by_prefixes` says which method a row used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2

from winnow.curation.errors import StageError
from winnow.curation.shard.conversation import Conversation
from winnow.curation.shard.layout import ReplyLayout, learn_layout, marker_pattern
from winnow.curation.shard.render import compile_template, render, special_token_variables
from winnow.curation.shard.templates import ChatTemplate

THINK_BLOCK_DECISION = (
    "trained where the template renders it (Qwen3: the empty block before the final reply; a reply's own "
    "<think> reasoning where the template keeps it); reasoning the template drops from an earlier reply is "
    "not rendered, so not trained"
)
REASONING_CLOSE = "</think>"


def visible_reply(content: str) -> str:
    """The reply text every rendering keeps: after a closing `</think>`, if any, and stripped.

    Reasoning templates (Qwen3, DeepSeek-R1) split a reply at `</think>` and render the reasoning only where
    the reply is the last turn (Qwen3: after the last user query); earlier they drop it.
    """
    return content.rsplit(REASONING_CLOSE, 1)[-1].strip()


class TemplateMaskingError(StageError):
    """A template whose renderings cannot locate assistant replies (prefix property broken)."""


@dataclass(frozen=True)
class Rendered:
    """A rendered conversation: the text, the reply spans (in order) and the never-trained spans."""

    text: str
    replies: list[tuple[int, int]]  # [start, end) of each located assistant reply incl. end-of-turn marker
    untrained: list[tuple[int, int]]  # system and tool-result text (kept out of labels under train-on-prompt)
    by_prefixes: bool = False  # located by prefix renderings (the fallback), not by the learned layout


def special_token_strings(tokenizer: Any) -> tuple[str, ...]:
    """Every special token's text, longest first (end-of-turn markers are special tokens)."""
    strings = set(getattr(tokenizer, "all_special_tokens", []) or [])
    for added in getattr(tokenizer, "added_tokens_decoder", {}).values():
        if getattr(added, "special", False):
            strings.add(str(added.content))
    return tuple(sorted((s for s in strings if s), key=len, reverse=True))


class SpanLocator:
    """Renders conversations with one template and finds their assistant replies."""

    def __init__(self, template: ChatTemplate, tokenizer: Any) -> None:
        self.template = template
        self.compiled: jinja2.Template = compile_template(template.text)
        self.variables = special_token_variables(tokenizer)
        self.markers = special_token_strings(tokenizer)
        self.marker_re = marker_pattern(self.markers)
        self.layout: ReplyLayout | None = None
        self.masks_probes = True  # False: the prefix method fails on a probe; the template is unusable
        try:  # a probe the template refuses is skipped; one it renders but cannot mask means no layout
            self.layout = learn_layout(
                self._probe,
                self.markers,
                template.tool_role,
                (jinja2.exceptions.TemplateError,),
                tool_calls=template.tool_calls,
            )
        except TemplateMaskingError:
            self.layout = None
            self.masks_probes = False

    def _probe(self, conv: Conversation) -> tuple[str, list[tuple[int, int]]]:
        full = self.render(conv, len(conv.messages), generation_prompt=False)
        return full, self._by_prefixes(conv, full, conv.assistant_turns())

    def render(self, conv: Conversation, upto: int, *, generation_prompt: bool) -> str:
        return render(
            self.compiled,
            conv.messages[:upto],
            add_generation_prompt=generation_prompt,
            tools=conv.tools,
            variables=self.variables,
        )

    def _cut_after_marker(self, reply: str) -> str:
        """The reply up to its end-of-turn marker: trailing whitespace after a special token is not trained."""
        stripped = reply.rstrip()
        if stripped != reply and stripped.endswith(self.markers):
            return stripped
        return reply

    def _fail(self, turn: int, why: str) -> TemplateMaskingError:
        return TemplateMaskingError(
            f"chat template {self.template.name!r} cannot locate the assistant reply at turn {turn} "
            f"(0-based message index, system first): {why}",
            hint="use a template whose rendering of messages[:k] with the generation prompt is a prefix of "
            "messages[:k+1]'s, e.g. a built-in one (--template chatml|llama3|...)",
        )

    def _relocate(self, full: str, start: int, reply: str, conv: Conversation, turn: int) -> int:
        """End of the reply in `full`, where the template renders turn `turn` differently when it is last."""
        message = conv.messages[turn]
        core = visible_reply(message.get("content") or "")
        if not core and message.get("tool_calls"):
            core = str(message["tool_calls"][0]["function"]["name"])
        for cut in range(len(reply)):
            tail = reply[cut:]
            if full.startswith(tail, start):
                if core and core in reply and core not in tail:
                    break  # the cut part would hold the assistant's own text: not decoration
                return start + len(tail)
        raise self._fail(turn, "its reply is rendered differently in the full conversation")

    def locate(self, conv: Conversation, *, last_only: bool = False, untrained: bool = False) -> Rendered:
        """Render `conv` once in full and find its assistant replies (only the last one when `last_only`)."""
        full = self.render(conv, len(conv.messages), generation_prompt=False)
        replies = self.layout.locate(full, conv, self.marker_re) if self.layout is not None else None
        by_prefixes = replies is None
        if replies is None:
            turns = conv.assistant_turns()
            replies = self._by_prefixes(conv, full, turns[-1:] if last_only else turns)
        elif last_only:
            replies = replies[-1:]
        return Rendered(full, replies, self._untrained(full, conv) if untrained else [], by_prefixes)

    def _by_prefixes(self, conv: Conversation, full: str, turns: list[int]) -> list[tuple[int, int]]:
        """The replies of `turns`, located by rendering each one's prefixes (see the module doc)."""
        n = len(conv.messages)
        replies: list[tuple[int, int]] = []
        cursor = 0
        for k in turns:
            prefix = self.render(conv, k, generation_prompt=True)
            upto = full if k == n - 1 else self.render(conv, k + 1, generation_prompt=False)
            if not upto.startswith(prefix):
                raise self._fail(
                    k, "the rendering with the generation prompt is not a prefix of the next one"
                )
            reply = self._cut_after_marker(upto[len(prefix) :])
            start = len(prefix)
            if full.startswith(upto):
                end = start + len(reply)
            elif full.startswith(prefix):
                end = self._relocate(full, start, reply, conv, k)
            else:
                raise self._fail(k, "the conversation up to this turn is not a prefix of the full rendering")
            if start < cursor:
                raise self._fail(k, "replies overlap")
            replies.append((start, end))
            cursor = end
        return replies

    def _untrained(self, full: str, conv: Conversation) -> list[tuple[int, int]]:
        """System and tool-result text, found in message order (only needed when the prompt is trained)."""
        spans: list[tuple[int, int]] = []
        cursor = 0
        for i, message in enumerate(conv.messages):
            core = (message.get("content") or "").strip()
            if not core:
                continue
            at = full.find(core, cursor)
            if at < 0:
                if message["role"] in ("system", self.template.tool_role):
                    raise self._fail(i, f"the {message['role']} text is not rendered verbatim")
                continue
            if message["role"] in ("system", self.template.tool_role):
                spans.append((at, at + len(core)))
            cursor = at + len(core)
        return spans
