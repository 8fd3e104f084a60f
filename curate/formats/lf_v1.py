"""LLaMA-Factory v1 messages: {messages: [{role, content: [{type: "text", value}], loss_weight}]}.

Text parts are joined into one content; a per-message `loss_weight` list that differs from the default
(0 for user/tool turns, 1 for replies) is kept in meta as `loss_weight` and written back from there.
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
from winnow.curation.formats.chat import content_text, ends_with, merge_input
from winnow.curation.formats.registry import register

ROLES = {"user": "user", "assistant": "assistant", "tool": "tool", "tool_call": "tool_call"}


def _default_weight(role: str) -> float:
    return 1.0 if role in ("assistant", "tool_call") else 0.0


class LlamaFactoryV1(Format):
    name = "llamafactory_v1"
    description = "LLaMA-Factory v1: messages [{role, content: [{type, value}], loss_weight}]"
    signatures = (frozenset({"messages"}),)
    optional = frozenset({"tools"})
    cannot_hold = "non-text content parts, task (kept as extra field), preference/KTO/pretrain rows"

    def matches(self, row: Mapping[str, Any]) -> bool:
        messages = row.get("messages")
        if not (isinstance(messages, list) and messages and isinstance(messages[0], Mapping)):
            return False
        content = messages[0].get("content")
        return isinstance(content, list) and all(isinstance(p, Mapping) and "value" in p for p in content)

    def to_records(self, row: Any) -> list[Record]:
        if not isinstance(row, dict):
            raise RowError(None, f"expected a JSON object, got {type(row).__name__}")
        messages = row.get("messages")
        if not isinstance(messages, list) or not messages:
            raise RowError("messages", "expected a non-empty list of messages")
        system: str | None = None
        turns: list[dict[str, str]] = []
        weights: list[float] = []
        for i, message in enumerate(messages):
            where = f"messages[{i}]"
            if not isinstance(message, Mapping):
                raise RowError(where, "expected a message object")
            role = message.get("role")
            text = content_text(message.get("content"), f"{where}.content", text_key="value")
            if not text.strip():
                raise RowError(f"{where}.content", "empty turn (blank text)")
            if role == "system" and i == 0:
                system = text
                continue
            if role not in ROLES:
                raise RowError(
                    f"{where}.role", f"unknown role {role!r} (expected system, user, assistant, tool)"
                )
            weight = message.get("loss_weight", _default_weight(ROLES[role]))
            if not isinstance(weight, int | float) or isinstance(weight, bool):
                raise RowError(f"{where}.loss_weight", "expected a number")
            turns.append({"role": ROLES[role], "content": text})
            weights.append(float(weight))
        ends_with(turns, ("assistant", "tool_call"), "messages", "an sft conversation ends with a reply")
        meta = unmapped(row, ("messages", "tools")) or {}
        if weights != [_default_weight(t["role"]) for t in turns]:
            meta["loss_weight"] = weights
        return [
            {
                "kind": "sft",
                "system": system,
                "messages": turns,
                "tools": optional_json_text(row, "tools"),
                "meta": meta or None,
            }
        ]

    def write_row(self, record: Mapping[str, Any]) -> Written:
        import json

        written = Written(row=None)
        turns = [dict(m) for m in record.get("messages") or []]
        if record.get("input"):
            turns = merge_input(turns, record["input"])
            written.notes.append("input merged into the last user turn (llamafactory_v1 has no input field)")
        meta = (
            json.loads(record["meta"])
            if isinstance(record.get("meta"), str)
            else dict(record.get("meta") or {})
        )
        weights = meta.pop("loss_weight", None)
        if not (isinstance(weights, list) and len(weights) == len(turns)):
            weights = [_default_weight(t["role"]) for t in turns]
        messages: list[dict[str, Any]] = []
        if record.get("system"):
            messages.append(
                {
                    "role": "system",
                    "content": [{"type": "text", "value": record["system"]}],
                    "loss_weight": 0.0,
                }
            )
        for turn, weight in zip(turns, weights, strict=True):
            messages.append(
                {
                    "role": turn["role"],
                    "content": [{"type": "text", "value": turn["content"]}],
                    "loss_weight": weight,
                }
            )
        row: dict[str, Any] = {"messages": messages}
        if record.get("tools"):
            row["tools"] = record["tools"]
        if record.get("task"):
            row["task"] = record["task"]
            written.notes.append("task kept as extra field 'task' (llamafactory_v1 has no task field)")
        written.row = row
        spread_meta(row, {"meta": meta}, written, self.name)
        return written


LLAMAFACTORY_V1 = register(LlamaFactoryV1())
