"""Canonical rows -> the messages a chat template receives.

`winnow.curation.record.prompt_messages` gives system first and `input` merged into the last user turn, with the
canonical roles user / assistant / tool_call / tool. Here those become template roles:

* tool_call -> an assistant turn. Templates that render `tool_calls` (Qwen3's, for instance) get the call as
  structured `tool_calls` with empty content; other templates get the call's JSON as the assistant's text.
  Either way the call is the model's output and is trained on.
* tool -> the template's tool-result role (`tool`, Llama 3.1's `ipython`, GLM's `observation`). Never trained.
* the row's `tools` column (JSON schemas) is passed as `tools=` so templates that list tools can render them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from winnow.curation.record import prompt_messages
from winnow.curation.shard.templates import ChatTemplate


@dataclass(frozen=True)
class Conversation:
    """Messages ready for a template, and the row's tool schemas."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None

    def assistant_turns(self) -> list[int]:
        return [i for i, m in enumerate(self.messages) if m["role"] == "assistant"]


def _structured_calls(content: str) -> list[dict[str, Any]] | None:
    """`tool_calls` entries from a tool_call turn's JSON, or None when it is not a call object (or list)."""
    try:
        parsed = json.loads(content)
    except (json.JSONDecodeError, TypeError):
        return None
    calls = parsed if isinstance(parsed, list) else [parsed]
    if not calls or not all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in calls):
        return None
    return [
        {"type": "function", "function": {"name": c["name"], "arguments": c.get("arguments", {})}}
        for c in calls
    ]


def parse_tools(raw: str | None) -> list[dict[str, Any]] | None:
    """The row's tool schemas (a JSON list, or one schema), or None."""
    if not raw:
        return None
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list) or not all(isinstance(t, dict) for t in parsed):
        return None
    return parsed


def to_template_messages(canonical: list[dict[str, Any]], template: ChatTemplate) -> list[dict[str, Any]]:
    """Map canonical roles to the roles `template` expects."""
    out: list[dict[str, Any]] = []
    for message in canonical:
        role, content = message["role"], message.get("content") or ""
        if role == "tool_call":
            calls = _structured_calls(content) if template.tool_calls else None
            if calls is not None:
                out.append({"role": "assistant", "content": "", "tool_calls": calls})
            else:
                out.append({"role": "assistant", "content": content})
        elif role == "tool":
            out.append({"role": template.tool_role, "content": content})
        else:
            out.append({"role": role, "content": content})
    return out


def conversation_from_row(row: dict[str, Any], template: ChatTemplate) -> Conversation:
    """The conversation of an sft/kto row (system first, input merged into the last user turn)."""
    return Conversation(to_template_messages(prompt_messages(row), template), parse_tools(row.get("tools")))


def preference_conversations(
    row: dict[str, Any], template: ChatTemplate
) -> tuple[Conversation, Conversation]:
    """A preference row as two conversations: the prompt + chosen, and the prompt + rejected."""
    base = to_template_messages(prompt_messages(row), template)
    tools = parse_tools(row.get("tools"))
    chosen = [*base, {"role": "assistant", "content": row.get("chosen") or ""}]
    rejected = [*base, {"role": "assistant", "content": row.get("rejected") or ""}]
    return Conversation(chosen, tools), Conversation(rejected, tools)
