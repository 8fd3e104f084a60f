"""The trainer an export is for, where two consumers read one format differently.

LLaMA-Factory (the default) and TRL both read the `openai` layout (and `llamafactory_v1`), but not the same
way in a file where some rows have tools and others do not:
- LLaMA-Factory needs `tools` as a string in every row, "" where a row has none: a null there is typed
  from the first rows by its converter and breaks on the first row holding tools;
- TRL's SFTTrainer json-loads every string `tools` (`json.loads("")` fails) and skips a null one.
So `for_consumer(rows, "trl")` writes null where LLaMA-Factory's rows hold "". Arrow and `datasets` read
both (a string column with nulls). Every other field is the same for both.
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
        changed += bool(empty)
    return rows, changed
