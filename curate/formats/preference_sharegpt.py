"""ShareGPT-style preference pairs: {conversations (ending on a user turn), chosen, rejected, system?, tools?}.

`chosen`/`rejected` are turn objects ({from: gpt, value}) as in LLaMA-Factory's dpo demo; plain strings
are accepted too. The writer writes objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from winnow.curation.formats.base import (
    Format,
    Record,
    RowError,
    Written,
    check_turn,
    optional_json_text,
    optional_str,
    spread_meta,
    unmapped,
)
from winnow.curation.formats.chat import ShareGPTTags, ends_with, parse_sharegpt
from winnow.curation.formats.registry import register
from winnow.curation.formats.sharegpt import write_sharegpt_body


class PreferenceShareGPT(Format):
    name = "preference_sharegpt"
    description = "preference pairs: conversations + chosen/rejected turn objects (+ system, tools)"
    optional = frozenset({"system", "tools"})
    kinds = ("preference",)
    cannot_hold = "separate input (merged into the last user turn), task (extra field), sft/KTO/pretrain rows"

    def __init__(self, messages: str = "conversations", tags: ShareGPTTags | None = None) -> None:
        self.messages_key = messages
        self.tags = tags or ShareGPTTags()
        self.signatures = (frozenset({messages, "chosen", "rejected"}),)

    def _reply(self, row: Mapping[str, Any], key: str) -> str:
        value = row.get(key)
        if isinstance(value, Mapping):
            role = value.get(self.tags.role_tag)
            if role != self.tags.assistant_tag:
                raise RowError(
                    f"{key}.{self.tags.role_tag}", f"expected {self.tags.assistant_tag!r}, got {role!r}"
                )
            value = value.get(self.tags.content_tag)
            key = f"{key}.{self.tags.content_tag}"
        if not isinstance(value, str):
            raise RowError(key, f"expected a string or a turn object, got {type(value).__name__}")
        return check_turn(value, key)

    def to_records(self, row: Any) -> list[Record]:
        if not isinstance(row, dict):
            raise RowError(None, f"expected a JSON object, got {type(row).__name__}")
        system, turns = parse_sharegpt(row.get(self.messages_key), self.messages_key, self.tags)
        ends_with(turns, ("user", "tool"), self.messages_key, "a preference prompt ends with a user turn")
        column = optional_str(row, "system")
        if system and column:
            raise RowError("system", "system prompt given both as a column and as a first turn")
        return [
            {
                "kind": "preference",
                "system": system or column,
                "messages": turns,
                "chosen": self._reply(row, "chosen"),
                "rejected": self._reply(row, "rejected"),
                "tools": optional_json_text(row, "tools"),
                "meta": unmapped(row, (self.messages_key, "chosen", "rejected", "system", "tools")),
            }
        ]

    def write_row(self, record: Mapping[str, Any]) -> Written:
        written = Written(row=None)
        row = write_sharegpt_body(record, written, self.name, self.tags, self.messages_key)
        for key in ("chosen", "rejected"):
            row[key] = {
                self.tags.role_tag: self.tags.assistant_tag,
                self.tags.content_tag: record.get(key) or "",
            }
        if record.get("system"):
            row["system"] = record["system"]
        if record.get("tools"):
            row["tools"] = record["tools"]
        written.row = row
        spread_meta(row, record, written, self.name)
        return written


PREFERENCE_SHAREGPT = register(PreferenceShareGPT())
