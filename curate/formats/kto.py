"""KTO: one reply plus a boolean desirability label.

Reads {messages (OpenAI), label | kto_tag}, {conversations (ShareGPT), label | kto_tag} and the Alpaca form
{instruction, input?, output, label | kto_tag}; writes {messages, label, tools?} (the LLaMA-Factory kto demo form; tools as JSON text).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from winnow.curation.formats.alpaca import ALPACA_SPEC
from winnow.curation.formats.base import (
    Format,
    Record,
    RowError,
    Written,
    optional_json_text,
    require_bool,
    spread_meta,
    unmapped,
)
from winnow.curation.formats.chat import ShareGPTTags, ends_with, parse_openai, parse_sharegpt
from winnow.curation.formats.flat import FlatFormat
from winnow.curation.formats.openai import openai_tools, openai_turns
from winnow.curation.formats.registry import register

LABEL_KEYS = ("label", "kto_tag")
BODIES = ("messages", "conversations", "instruction")


class KTO(Format):
    name = "kto"
    description = "KTO: messages or conversations or Alpaca fields + label/kto_tag (bool)"
    signatures = tuple(
        frozenset({body, label} | ({"output"} if body == "instruction" else set()))
        for body in BODIES
        for label in LABEL_KEYS
    )
    optional = frozenset({"tools", "system", "input", "history"})
    kinds = ("kto",)
    cannot_hold = "separate input (merged into the last user turn), sft/preference/pretrain rows"

    def __init__(
        self, tags: ShareGPTTags | None = None, label_key: str | None = None, messages_key: str | None = None
    ) -> None:
        self.tags = tags or ShareGPTTags()
        self.label_key = label_key
        self.messages_key = messages_key  # set by a LLaMA-Factory registry: ShareGPT turns under this key

    def _label_key(self, row: Mapping[str, Any]) -> str:
        if self.label_key:
            return self.label_key
        present = [k for k in LABEL_KEYS if row.get(k) is not None]
        if len(present) > 1:
            raise RowError("kto_tag", "both 'label' and 'kto_tag' are set; keep one")
        return present[0] if present else "label"

    def to_records(self, row: Any) -> list[Record]:
        if not isinstance(row, dict):
            raise RowError(None, f"expected a JSON object, got {type(row).__name__}")
        label_key = self._label_key(row)
        label = require_bool(row, label_key)
        record: Record
        if self.messages_key is not None:
            system, turns = parse_sharegpt(row.get(self.messages_key), self.messages_key, self.tags)
            body = self.messages_key
            record = {"system": system, "messages": turns}
        elif row.get("messages") is not None:
            system, turns = parse_openai(row["messages"], "messages")
            body = "messages"
            record = {"system": system, "messages": turns}
        elif row.get("conversations") is not None:
            system, turns = parse_sharegpt(row["conversations"], "conversations", self.tags)
            body = "conversations"
            record = {"system": system, "messages": turns}
        elif row.get("instruction") is not None:
            alpaca = FlatFormat(
                "kto",
                ALPACA_SPEC,
                kind="kto",
                required=("instruction", "output"),
                description="",
                cannot_hold="",
            )
            cleaned = {k: v for k, v in row.items() if k not in LABEL_KEYS}
            (record,) = alpaca.to_records(cleaned)
            record.update(kind="kto", label=label)
            return [record]
        else:
            raise RowError("messages", "missing required field (messages, conversations or instruction)")
        ends_with(
            record["messages"], ("assistant", "tool_call"), body, "a KTO row ends with the judged reply"
        )
        record.update(
            kind="kto",
            label=label,
            tools=optional_json_text(row, "tools"),
            meta=unmapped(row, (body, label_key, "tools")),
        )
        return [record]

    def write_row(self, record: Mapping[str, Any]) -> Written:
        written = Written(row=None)
        messages = openai_turns(record, written, self.name)
        if messages is None:
            return written
        row: dict[str, Any] = {"messages": messages, "label": bool(record.get("label"))}
        if record.get("tools"):
            row["tools"] = openai_tools(record["tools"])
        if record.get("task"):
            row["task"] = record["task"]
            written.notes.append("task kept as extra field 'task' (kto has no task field)")
        written.row = row
        spread_meta(row, record, written, self.name)
        return written


KTO_FORMAT = register(KTO())
