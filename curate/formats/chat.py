"""Conversation lists shared by several formats: OpenAI role/content messages and ShareGPT from/value turns.

Reading is strict: an unknown role, a non-string content, a blank turn or a system message after the first
turn raises RowError with the path of the offending field (`messages[3].role`).
Tool calls: OpenAI `assistant.tool_calls` become one `tool_call` message each whose content is the JSON
`{"name": ..., "arguments": ...}` (arguments parsed when they are a JSON string); `tool` results become
`tool` messages. Tool-call ids are not kept: the writer numbers them (`call_0`, `call_1`, ...).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from winnow.curation.formats.base import RowError, check_turn

Turn = dict[str, str]


def content_text(content: Any, where: str, text_key: str = "text") -> str:
    """A message content: a string, or a list of typed parts of which only text parts are supported."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = []
        for j, part in enumerate(content):
            if not isinstance(part, Mapping):
                raise RowError(f"{where}[{j}]", f"expected a content part object, got {type(part).__name__}")
            if part.get("type") != "text":
                raise RowError(
                    f"{where}[{j}].type",
                    f"content part type {part.get('type')!r} is not supported (text only)",
                )
            text = part.get(text_key)
            if not isinstance(text, str):
                raise RowError(f"{where}[{j}].{text_key}", "expected a string")
            pieces.append(text)
        return "".join(pieces)
    raise RowError(where, f"expected a string, got {type(content).__name__}")


def _tool_call_content(call: Any, where: str) -> str:
    if not isinstance(call, Mapping):
        raise RowError(where, "expected a tool call object")
    function = call.get("function", call)
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise RowError(f"{where}.function.name", "tool call without a function name")
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        # keep the text when it is not JSON: some generators write free-form arguments
        with contextlib.suppress(json.JSONDecodeError):
            arguments = json.loads(arguments)
    return json.dumps({"name": function["name"], "arguments": arguments}, ensure_ascii=False)


def parse_openai(messages: Any, field: str) -> tuple[str | None, list[Turn]]:
    """(system, turns) from an OpenAI-style list of {role, content, tool_calls?}."""
    if not isinstance(messages, list):
        raise RowError(field, f"expected a list of messages, got {type(messages).__name__}")
    if not messages:
        raise RowError(field, "empty conversation")
    system: str | None = None
    turns: list[Turn] = []
    for i, message in enumerate(messages):
        where = f"{field}[{i}]"
        if not isinstance(message, Mapping):
            raise RowError(where, f"expected a message object, got {type(message).__name__}")
        role = message.get("role")
        if role in ("system", "developer"):
            if i != 0:
                raise RowError(f"{where}.role", "a system message is only supported as the first message")
            system = check_turn(content_text(message.get("content"), f"{where}.content"), f"{where}.content")
        elif role in ("user", "tool"):
            text = content_text(message.get("content"), f"{where}.content")
            turns.append({"role": role, "content": check_turn(text, f"{where}.content")})
        elif role == "assistant":
            calls = message.get("tool_calls") or []
            content = message.get("content")
            if content is not None or not calls:
                text = content_text(content, f"{where}.content")
                if text.strip() or not calls:
                    turns.append({"role": "assistant", "content": check_turn(text, f"{where}.content")})
            if not isinstance(calls, list):
                raise RowError(f"{where}.tool_calls", "expected a list")
            for j, call in enumerate(calls):
                turns.append(
                    {"role": "tool_call", "content": _tool_call_content(call, f"{where}.tool_calls[{j}]")}
                )
        else:
            raise RowError(
                f"{where}.role", f"unknown role {role!r} (expected system, user, assistant or tool)"
            )
    return system, turns


def render_openai(system: str | None, turns: list[Turn]) -> tuple[list[dict[str, Any]] | None, str | None]:
    """OpenAI messages for (system, turns), or (None, reason) when a tool call's content is not JSON."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    call_ids: list[str] = []
    calls_made = 0
    for turn in turns:
        role, content = turn["role"], turn["content"]
        if role == "tool_call":
            try:
                call = json.loads(content)
            except json.JSONDecodeError:
                return None, "tool call content that is not JSON {name, arguments}"
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                return None, "tool call content that is not JSON {name, arguments}"
            arguments = call.get("arguments")
            call_id = f"call_{calls_made}"
            entry: dict[str, Any] = {
                "id": call_id,
                "type": "function",
                "function": {
                    "name": call["name"],
                    "arguments": arguments
                    if isinstance(arguments, str)
                    else json.dumps(arguments, ensure_ascii=False),
                },
            }
            call_ids.append(call_id)
            calls_made += 1
            previous = out[-1] if out else None
            if previous is not None and previous["role"] == "assistant":
                previous.setdefault("tool_calls", []).append(entry)
            else:
                out.append({"role": "assistant", "content": None, "tool_calls": [entry]})
        elif role == "tool":
            message: dict[str, Any] = {"role": "tool", "content": content}
            if call_ids:
                message["tool_call_id"] = call_ids.pop(0)
            out.append(message)
        else:
            out.append({"role": role, "content": content})
    return out, None


@dataclass(frozen=True)
class ShareGPTTags:
    """LLaMA-Factory's `tags`: which keys and values a ShareGPT conversation uses."""

    role_tag: str = "from"
    content_tag: str = "value"
    user_tag: str = "human"
    assistant_tag: str = "gpt"
    observation_tag: str = "observation"
    function_tag: str = "function_call"
    system_tag: str = "system"

    def roles(self) -> dict[str, str]:
        return {
            self.user_tag: "user",
            self.assistant_tag: "assistant",
            self.function_tag: "tool_call",
            self.observation_tag: "tool",
            self.system_tag: "system",
        }


def parse_sharegpt(turns_in: Any, field: str, tags: ShareGPTTags) -> tuple[str | None, list[Turn]]:
    """(system, turns) from a ShareGPT list of {from, value}."""
    if not isinstance(turns_in, list):
        raise RowError(field, f"expected a list of turns, got {type(turns_in).__name__}")
    if not turns_in:
        raise RowError(field, "empty conversation")
    roles = tags.roles()
    system: str | None = None
    turns: list[Turn] = []
    for i, turn in enumerate(turns_in):
        where = f"{field}[{i}]"
        if not isinstance(turn, Mapping):
            raise RowError(where, f"expected a turn object, got {type(turn).__name__}")
        tag = turn.get(tags.role_tag)
        role = roles.get(tag) if isinstance(tag, str) else None
        if role is None:
            known = ", ".join(roles)
            raise RowError(f"{where}.{tags.role_tag}", f"unknown role {tag!r} (expected one of {known})")
        content = turn.get(tags.content_tag)
        if not isinstance(content, str):
            raise RowError(f"{where}.{tags.content_tag}", f"expected a string, got {type(content).__name__}")
        check_turn(content, f"{where}.{tags.content_tag}")
        if role == "system":
            if i != 0:
                raise RowError(
                    f"{where}.{tags.role_tag}", "a system turn is only supported as the first turn"
                )
            system = content
        else:
            turns.append({"role": role, "content": content})
    return system, turns


def render_sharegpt(turns: list[Turn], tags: ShareGPTTags) -> list[dict[str, str]]:
    back = {v: k for k, v in tags.roles().items()}
    return [{tags.role_tag: back[t["role"]], tags.content_tag: t["content"]} for t in turns]


def merge_input(turns: list[Turn], input_text: str | None) -> list[Turn]:
    """Turns with `input` joined to the last user turn (for formats that have no input field)."""
    from winnow.curation.record import final_user_content

    if not input_text:
        return turns
    out = [dict(t) for t in turns]
    users = [i for i, t in enumerate(out) if t["role"] == "user"]
    if users:
        out[users[-1]]["content"] = final_user_content(out[users[-1]]["content"], input_text)
    else:
        out.insert(0, {"role": "user", "content": input_text})
    return out


def ends_with(turns: list[Turn], roles: tuple[str, ...], field: str, what: str) -> None:
    if not turns or turns[-1]["role"] not in roles:
        last = turns[-1]["role"] if turns else "nothing"
        raise RowError(field, f"conversation ends with {last}; {what}")
