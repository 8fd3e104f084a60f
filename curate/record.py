"""The canonical record: one Polars schema that every input format is read into and every writer reads from.

One row is one training example. Conversations live in `messages` (history included); Alpaca's `input` and
Dolly's `context` stay a separate column so that they round-trip and checks can look at them on their own,
and are joined to the final user turn only when a prompt is rendered (`final_user_content`).

Message roles:
    user        a human turn
    assistant   a model reply (trained on)
    tool_call   the model calling a tool (ShareGPT `function_call`, OpenAI `tool_calls`); content is JSON
    tool        a tool result (ShareGPT `observation`, OpenAI `tool`); never trained on
The system prompt is the `system` column, never a message.

Kinds:
    sft         messages end with an assistant reply
    preference  messages are the prompt (end with a user turn); `chosen` / `rejected` are the two replies
    kto         messages end with an assistant reply; `label` says whether it is desirable
    pretrain    `text` only
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

import polars as pl

KINDS: Final = ("sft", "preference", "kto", "pretrain")
ROLES: Final = ("user", "assistant", "tool_call", "tool")

KIND = pl.Enum(list(KINDS))
MESSAGE = pl.Struct({"role": pl.String(), "content": pl.String()})

_RECORD_COLUMNS: dict[str, pl.DataType] = {
    "id": pl.String(),  # stable: XXH3 of source name + content (+ occurrence), never row order alone
    "source": pl.String(),  # file the row came from (or registry name:file)
    "line": pl.Int64(),  # 1-based line (JSONL/txt) or 0-based array index (JSON/parquet)
    "format": pl.String(),  # format name the row was read as (see winnow.curation.formats)
    "kind": KIND,
    "system": pl.String(),
    "messages": pl.List(MESSAGE),
    "input": pl.String(),  # context attached to the final user turn (Alpaca input, Dolly context)
    "tools": pl.String(),  # JSON tool schemas offered to the model (ShareGPT `tools`, OpenAI `tools`)
    "chosen": pl.String(),
    "rejected": pl.String(),
    "label": pl.Boolean(),
    "text": pl.String(),
    "task": pl.String(),
    "meta": pl.String(),  # JSON object of every input field the format does not map
}
RECORD_SCHEMA: Final = pl.Schema(_RECORD_COLUMNS)
# Where a row came from, as opposed to what it is: converting a row to another format and back changes
# these and keeps every CONTENT_COLUMNS value.
PROVENANCE_COLUMNS: Final = ("id", "source", "line", "format")
CONTENT_COLUMNS: Final = tuple(name for name in _RECORD_COLUMNS if name not in PROVENANCE_COLUMNS)

# Columns that stages add; the ledger columns are present on every frame after the first stage.
# flagged_rules: the failing rules whose action is `flag` (kept rows carry them; see winnow.curation.ledger).
LEDGER_SCHEMA: Final = pl.Schema(
    {"drop_reason": pl.String(), "failed_rules": pl.List(pl.String()), "flagged_rules": pl.List(pl.String())}
)

# How the Alpaca/LLaMA-Factory convention joins `input` to the instruction when a prompt is rendered.
INPUT_JOINER: Final = "\n"


def empty_records() -> pl.DataFrame:
    """A frame with the canonical schema and no rows."""
    return pl.DataFrame(schema=RECORD_SCHEMA)


def content_hash(*parts: Any, digest_size: int = 16) -> str:
    """blake2b hex digest of JSON-serialised parts (Polars' `Expr.hash` is not stable across versions)."""
    payload = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return hashlib.blake2b(payload, digest_size=digest_size).hexdigest()


# ---- field expressions: how checks, dedup and language detection address parts of a row ----------------

FIELDS: Final = ("instruction", "input", "response", "system", "messages", "all_text")


def _contents_with_role(role: str) -> pl.Expr:
    return pl.col("messages").list.eval(
        pl.element().filter(pl.element().struct.field("role") == role).struct.field("content")
    )


def instruction_expr() -> pl.Expr:
    """Content of the last user turn (the instruction), without `input`."""
    return _contents_with_role("user").list.last()


def input_expr() -> pl.Expr:
    return pl.col("input")


def response_expr() -> pl.Expr:
    """The reply being trained on: the last assistant turn, or `chosen` for preference rows."""
    last_assistant = _contents_with_role("assistant").list.last()
    return pl.when(pl.col("kind") == "preference").then(pl.col("chosen")).otherwise(last_assistant)


def system_expr() -> pl.Expr:
    return pl.col("system")


def message_contents_expr() -> pl.Expr:
    """List of every message's content (a List[String] expression)."""
    return pl.col("messages").list.eval(pl.element().struct.field("content"))


def all_text_pieces() -> list[pl.Expr]:
    """The pieces of `all_text`, in order: system, every message content (one List[String]), input,
    chosen, rejected, text."""
    return [
        pl.col("system"),
        message_contents_expr(),
        pl.col("input"),
        pl.col("chosen"),
        pl.col("rejected"),
        pl.col("text"),
    ]


def all_text_expr() -> pl.Expr:
    """Every piece of text of the row joined by newlines (system, messages, input, chosen, rejected, text)."""
    pieces = pl.concat_list(all_text_pieces())
    return pieces.list.eval(pl.element().filter(pl.element().str.len_chars() > 0)).list.join("\n")


def field_expr(field: str) -> pl.Expr:
    """A String expression for a named field (every field but `messages`, which is a list)."""
    builders = {
        "instruction": instruction_expr,
        "input": input_expr,
        "response": response_expr,
        "system": system_expr,
        "all_text": all_text_expr,
        "messages": message_contents_expr,
    }
    if field not in builders:
        raise KeyError(f"unknown field {field!r}; known: {', '.join(FIELDS)}")
    return builders[field]().alias(field)


def final_user_content(instruction: str | None, input_text: str | None) -> str:
    """The final user turn as a model sees it: the instruction with `input` joined the LLaMA-Factory way."""
    if input_text:
        return f"{instruction or ''}{INPUT_JOINER}{input_text}" if instruction else input_text
    return instruction or ""


def prompt_messages(row: dict[str, Any]) -> list[dict[str, str]]:
    """The conversation as a chat template receives it: system first, `input` merged into the last user turn.

    Roles stay canonical (`tool_call`, `tool`); the shard writer maps them to its template's roles.
    """
    messages: list[dict[str, str]] = []
    if row.get("system"):
        messages.append({"role": "system", "content": row["system"]})
    turns = [dict(m) for m in row.get("messages") or []]
    if row.get("input"):
        user_positions = [i for i, m in enumerate(turns) if m["role"] == "user"]
        if user_positions:
            last = user_positions[-1]
            turns[last]["content"] = final_user_content(turns[last]["content"], row["input"])
        else:
            turns.insert(0, {"role": "user", "content": row["input"]})
    messages.extend(turns)
    return messages


def frame_from_rows(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A canonical frame from plain dicts; missing columns are null (for tests and small tools).

    Casts strictly: an unknown kind raises instead of becoming null.
    """
    columns = {name: [row.get(name) for row in rows] for name in RECORD_SCHEMA.names()}
    loose = {name: (pl.String() if name == "kind" else dtype) for name, dtype in RECORD_SCHEMA.items()}
    frame = pl.DataFrame(columns, schema=loose)
    return frame.with_columns(pl.col("kind").cast(KIND, strict=True))
