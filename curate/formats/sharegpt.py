"""ShareGPT / Vicuna: {conversations: [{from, value}], system?, tools?}.

Roles: human → user, gpt → assistant, function_call → tool_call, observation → tool, a leading system turn
→ the `system` column. The keys and role names can be renamed per dataset (LLaMA-Factory `columns`/`tags`).
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
    optional_str,
    spread_meta,
    unmapped,
)
from winnow.curation.formats.chat import ShareGPTTags, ends_with, merge_input, parse_sharegpt, render_sharegpt
from winnow.curation.formats.registry import register


class ShareGPT(Format):
    def __init__(
        self,
        name: str = "sharegpt",
        *,
        messages: str = "conversations",
        system: str = "system",
        tools: str = "tools",
        tags: ShareGPTTags | None = None,
    ) -> None:
        self.name = name
        self.messages_key, self.system_key, self.tools_key = messages, system, tools
        self.tags = tags or ShareGPTTags()
        self.signatures = (frozenset({messages}),)
        self.optional = frozenset({system, tools})
        self.kinds = ("sft",)
        self.description = "ShareGPT/Vicuna: conversations [{from, value}] (+ system, tools)"
        self.cannot_hold = (
            "separate input (merged into the last user turn), task, preference/KTO/pretrain rows"
        )

    def matches(self, row: Mapping[str, Any]) -> bool:
        turns = row.get(self.messages_key)
        return not (
            isinstance(turns, list)
            and turns
            and isinstance(turns[0], Mapping)
            and self.tags.role_tag not in turns[0]
        )

    def conversation(self, row: Mapping[str, Any]) -> tuple[str | None, list[dict[str, str]]]:
        system, turns = parse_sharegpt(row.get(self.messages_key), self.messages_key, self.tags)
        column = optional_str(row, self.system_key)
        if system and column:
            raise RowError(self.system_key, "system prompt given both as a column and as a first turn")
        return system or column, turns

    def to_records(self, row: Any) -> list[Record]:
        if not isinstance(row, dict):
            raise RowError(None, f"expected a JSON object, got {type(row).__name__}")
        system, turns = self.conversation(row)
        ends_with(
            turns, ("assistant", "tool_call"), self.messages_key, "an sft conversation ends with a reply"
        )
        mapped = (self.messages_key, self.system_key, self.tools_key)
        return [
            {
                "kind": "sft",
                "system": system,
                "messages": turns,
                "tools": optional_json_text(row, self.tools_key),
                "meta": unmapped(row, mapped),
            }
        ]

    def write_row(self, record: Mapping[str, Any]) -> Written:
        written = Written(row=None)
        row = write_sharegpt_body(record, written, self.name, self.tags, self.messages_key)
        if record.get("system"):
            row[self.system_key] = record["system"]
        if record.get("tools"):
            row[self.tools_key] = record["tools"]
        written.row = row
        spread_meta(row, record, written, self.name)
        return written


def write_sharegpt_body(
    record: Mapping[str, Any], written: Written, name: str, tags: ShareGPTTags, key: str
) -> dict[str, Any]:
    turns = [dict(m) for m in record.get("messages") or []]
    if record.get("input"):
        turns = merge_input(turns, record["input"])
        written.notes.append(f"input merged into the last user turn ({name} has no input field)")
    row: dict[str, Any] = {key: render_sharegpt(turns, tags)}
    if record.get("task"):
        row["task"] = record["task"]
        written.notes.append(f"task kept as extra field 'task' ({name} has no task field)")
    return row


SHAREGPT = register(ShareGPT())
