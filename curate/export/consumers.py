"""The trainer an export is for, where two consumers read one format differently.

LLaMA-Factory (the default) and TRL both read the `openai` layout (and `llamafactory_v1`), but not the same
way in a file where some rows have tools and others do not:
- LLaMA-Factory needs `tools` as a string in every row, "" where a row has none: a null there is typed
  from the first rows by its converter and breaks on the first row holding tools;
- TRL's SFTTrainer json-loads every string `tools` (`json.loads("")` fails) and skips a null one;
- TRL drops the null values of a message before the chat template sees it, so an assistant message that
  only calls tools (`content: null`, as OpenAI writes it) reaches the template without `content`, and
  templates that read `message.content` (Qwen3's) fail; "" there reads the same to every consumer.
So `for_consumer(rows, "trl")` writes null where LLaMA-Factory's rows hold "" for tools, and "" for a
tool-calling message's null content. Arrow and `datasets` read both. Every other field is the same.
"""

from __future__ import annotations

from typing import Any, Final

CONSUMERS: Final = ("llamafactory", "trl")
DEFAULT_CONSUMER: Final = "llamafactory"
# the string fields whose "" TRL would parse as JSON
_JSON_TEXT_FIELDS: Final = ("tools",)


def for_consumer(rows: list[Any], consumer: str) -> tuple[list[Any], int]:
    """`rows` (already one schema across rows) as `consumer` reads them; and how many rows changed."""
    if consumer not in CONSUMERS:
        raise ValueError(f"unknown consumer {consumer!r}: {', '.join(CONSUMERS)}")
    if consumer != "trl":
        return rows, 0
    changed = 0
    for row in rows:
        if not isinstance(row, dict):
            continue
        empty = [key for key in _JSON_TEXT_FIELDS if row.get(key) == ""]
        for key in empty:
            row[key] = None
        calls_only = [m for m in _messages(row) if m.get("tool_calls") and m.get("content") is None]
        for message in calls_only:
            message["content"] = ""
        changed += bool(empty or calls_only)
    return rows, changed


def _messages(row: dict[str, Any]) -> list[dict[str, Any]]:
    messages = row.get("messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
