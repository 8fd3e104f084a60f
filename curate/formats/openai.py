"""OpenAI chat messages: {messages: [{role, content, tool_calls?}], tools?}, and a bare list of messages.

The writer writes `tools` as JSON text ("" in a row without tools when another row has them), the shape
LLaMA-Factory and Arrow read (see `openai_tools`); the reader takes text or a list.

A leading system (or developer) message becomes the `system` column; assistant `tool_calls` become
`tool_call` messages; `tool` results stay `tool`. The bare form (a JSON list of messages per row, format
name `messages`) has nowhere to keep tools, task or meta, so the writer reports those as lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from winnow.curation.formats.base import (
    Format,
    Record,
    RowError,
    Written,
    optional_json_text,
    spread_meta,
    unmapped,
)
from winnow.curation.formats.chat import ends_with, merge_input, parse_openai, render_openai
from winnow.curation.formats.registry import register


def looks_openai(messages: Any) -> bool:
    """Role/content messages whose content is text (or OpenAI text parts), not LLaMA-Factory v1 parts."""
    if not isinstance(messages, list) or not messages:
        return isinstance(messages, list)
    first = messages[0]
    if not isinstance(first, Mapping) or "role" not in first:
        return False
    content = first.get("content")
    if isinstance(content, list):
        return all(isinstance(p, Mapping) and "value" not in p for p in content)
    return True


def openai_tools(tools: str) -> str:
    """`tools` as JSON text: the one type every consumer reads (rows without tools get "" in a file where
    some row has them, winnow.curation.formats.schema; a file where none has them has no `tools` key).

    A JSON list here (the OpenAI API's shape) breaks the loaders that read these files: LLaMA-Factory wants
    a string (its templates parse it), and Arrow (`datasets.load_dataset("json")`, `--hf`) types each tool
    schema as a struct, which fails or fills other rows' keys with nulls when the schemas differ.
    TRL's SFTTrainer json-loads a string `tools` itself."""
    return tools


def openai_turns(record: Mapping[str, Any], written: Written, name: str) -> list[dict[str, Any]] | None:
    """Render a record's conversation as OpenAI messages, noting merges; None when it cannot be held."""
    turns = [dict(m) for m in record.get("messages") or []]
    if record.get("input"):
        turns = merge_input(turns, record["input"])
        written.notes.append(f"input merged into the last user turn ({name} has no input field)")
    messages, reason = render_openai(record.get("system"), turns)
    if reason:
        written.lost.append(reason)
    return messages


class OpenAI(Format):
    name = "openai"
    description = "OpenAI chat: messages [{role, content, tool_calls}] (+ tools)"
    signatures = (frozenset({"messages"}),)
    optional = frozenset({"tools"})
    cannot_hold = "tool call ids (renumbered), task (kept as extra field), preference/KTO/pretrain rows"

    def matches(self, row: Mapping[str, Any]) -> bool:
        return looks_openai(row.get("messages"))

    def to_records(self, row: Any) -> list[Record]:
        if not isinstance(row, dict):
            raise RowError(None, f"expected a JSON object, got {type(row).__name__}")
        system, turns = parse_openai(row.get("messages"), "messages")
        ends_with(turns, ("assistant", "tool_call"), "messages", "an sft conversation ends with a reply")
        return [
            {
                "kind": "sft",
                "system": system,
                "messages": turns,
                "tools": optional_json_text(row, "tools"),
                "meta": unmapped(row, ("messages", "tools")),
            }
        ]

    def write_row(self, record: Mapping[str, Any]) -> Written:
        written = Written(row=None)
        messages = openai_turns(record, written, self.name)
        if messages is None:
            return written
        row: dict[str, Any] = {"messages": messages}
        if record.get("tools"):
            row["tools"] = openai_tools(record["tools"])
        if record.get("task"):
            row["task"] = record["task"]
            written.notes.append("task kept as extra field 'task' (openai has no task field)")
        written.row = row
        spread_meta(row, record, written, self.name)
        return written


class BareMessages(Format):
    name = "messages"
    description = "a bare JSON list of {role, content} messages per row"
    signatures = (frozenset({"<list>"}),)
    cannot_hold = "tools, task, meta, preference/KTO/pretrain rows"
    row_is_list = True

    def matches_list(self, row: list[Any]) -> bool:
        return bool(row) and looks_openai(row)

    def to_records(self, row: Any) -> list[Record]:
        if not isinstance(row, list):
            raise RowError(None, f"expected a JSON list of messages, got {type(row).__name__}")
        system, turns = parse_openai(row, "messages")
        ends_with(turns, ("assistant", "tool_call"), "messages", "an sft conversation ends with a reply")
        return [{"kind": "sft", "system": system, "messages": turns, "meta": None}]

    def write_row(self, record: Mapping[str, Any]) -> Written:
        written = Written(row=None)
        reason = None
        for field in ("tools", "task", "meta"):
            if not reason and record.get(field):
                reason = f"{field} (a bare message list has nowhere to keep it)"
        if reason:
            written.lost.append(reason)
            return written
        written.row = openai_turns(record, written, self.name)
        return written


OPENAI = register(OpenAI())
BARE_MESSAGES = register(BareMessages())
