"""Which conversation a row is scored on, with its prompt and without it.

The scored reply is the row's last reply (the last assistant or tool_call turn; `chosen` for preference
rows); the prompt is everything before it (system, `input`, earlier turns). Both conversations go through the
shard machinery (`winnow.curation.shard.tokenize.Encoder`, last turn only), so the tokens and labels are
exactly the ones `winnow shard` would train on.

Without the prompt, the reply is rendered after one *empty* user turn with the same template: the template's
scaffolding (headers, bos, the default system line of some templates) stays, and only what the prompt says
is taken away, so the ratio of the two losses measures what the prompt's content tells the model about the
reply (IFD, Li et al. NAACL 2024). An empty user turn rather than none because many chat templates refuse a
conversation that does not alternate user/assistant.

A row without a user turn before its reply (pretrain text, a bare reply) or without a reply has no IFD:
`scored_pair` says why and the row's scores stay null.
"""

from __future__ import annotations

from typing import Any

from winnow.curation.record import prompt_messages

REPLY_ROLES = ("assistant", "tool_call")


def _sft(messages: list[dict[str, str]]) -> dict[str, Any]:
    """A canonical sft row holding `messages` (system already a message: the Encoder renders it as given)."""
    system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
    turns = messages[1:] if system is not None else messages
    return {"id": "", "kind": "sft", "system": system, "messages": turns}


def scored_pair(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | str:
    """(the row with its prompt, the reply alone after an empty user turn), or why the row is not scored."""
    if row.get("kind") == "pretrain":
        return "no_prompt"
    messages = prompt_messages(row)
    if row.get("kind") == "preference":
        if not row.get("chosen"):
            return "no_reply"
        messages = [*messages, {"role": "assistant", "content": row["chosen"]}]
    if not messages or messages[-1]["role"] not in REPLY_ROLES or not messages[-1].get("content"):
        return "no_reply"
    if not any(m["role"] == "user" and m.get("content") for m in messages[:-1]):
        return "no_prompt"
    reply = messages[-1]
    return _sft(messages), _sft([{"role": "user", "content": ""}, dict(reply)])
