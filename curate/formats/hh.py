"""Anthropic HH-RLHF transcripts: {chosen, rejected}, each "\\n\\nHuman: … \\n\\nAssistant: …".

Both transcripts share every turn but the final Assistant reply: the shared turns become `messages` (the
prompt, ending on a Human turn) and the two final replies become `chosen` and `rejected`. A pair whose
transcripts differ earlier cannot be one preference row and is quarantined with that reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from winnow.curation.formats.base import (
    Format,
    Record,
    RowError,
    Written,
    check_turn,
    no_tools,
    spread_meta,
    unmapped,
)
from winnow.curation.formats.chat import merge_input
from winnow.curation.formats.registry import register

SPEAKERS = {"Human": "user", "Assistant": "assistant"}
_TURN = re.compile(r"\n\n(Human|Assistant): ?")


def parse_transcript(text: Any, field: str) -> list[dict[str, str]]:
    if not isinstance(text, str):
        raise RowError(field, f"expected a transcript string, got {type(text).__name__}")
    parts = _TURN.split(text)
    if parts[0].strip() or len(parts) < 3:
        raise RowError(field, "not an HH transcript (expected it to start with '\\n\\nHuman: ')")
    turns = [{"role": SPEAKERS[parts[i]], "content": parts[i + 1]} for i in range(1, len(parts), 2)]
    for i, turn in enumerate(turns):
        check_turn(turn["content"], f"{field} (turn {i + 1})")
        expected = "user" if i % 2 == 0 else "assistant"
        if turn["role"] != expected:
            raise RowError(
                field, f"turn {i + 1} is {turn['role']}, expected {expected} (turns must alternate)"
            )
    if turns[-1]["role"] != "assistant":
        raise RowError(field, "transcript does not end with an Assistant reply")
    return turns


def render_transcript(turns: list[dict[str, str]]) -> str:
    names = {"user": "Human", "assistant": "Assistant"}
    return "".join(f"\n\n{names[t['role']]}: {t['content']}" for t in turns)


class HH(Format):
    name = "hh"
    description = "Anthropic HH-RLHF: chosen/rejected '\\n\\nHuman: … \\n\\nAssistant: …' transcripts"
    signatures = (frozenset({"chosen", "rejected"}),)
    kinds = ("preference",)
    cannot_hold = "system prompts, tools, task (extra field), sft/KTO/pretrain rows"

    def to_records(self, row: Any) -> list[Record]:
        if not isinstance(row, dict):
            raise RowError(None, f"expected a JSON object, got {type(row).__name__}")
        chosen = parse_transcript(row.get("chosen"), "chosen")
        rejected = parse_transcript(row.get("rejected"), "rejected")
        if chosen[:-1] != rejected[:-1]:
            raise RowError("rejected", "transcript differs from 'chosen' before the final Assistant reply")
        return [
            {
                "kind": "preference",
                "messages": chosen[:-1],
                "chosen": chosen[-1]["content"],
                "rejected": rejected[-1]["content"],
                "meta": unmapped(row, ("chosen", "rejected")),
            }
        ]

    def write_row(self, record: Mapping[str, Any]) -> Written:
        written = Written(row=None)
        reason = no_tools(record, self.name)
        if not reason and record.get("system"):
            reason = "system prompt (hh has no system field)"
        turns = merge_input([dict(m) for m in record.get("messages") or []], record.get("input"))
        roles = [t["role"] for t in turns]
        if not reason and (
            not turns or roles != (["user", "assistant"] * len(turns))[: len(turns)] or roles[-1] != "user"
        ):
            reason = f"conversation shape {'/'.join(roles) or 'empty'} (hh holds alternating turns ending on Human)"
        if reason:
            written.lost.append(reason)
            return written
        if record.get("input"):
            written.notes.append("input merged into the last user turn (hh has no input field)")
        prompt = render_transcript(turns)
        row: dict[str, Any] = {
            "chosen": prompt
            + render_transcript([{"role": "assistant", "content": record.get("chosen") or ""}]),
            "rejected": prompt
            + render_transcript([{"role": "assistant", "content": record.get("rejected") or ""}]),
        }
        if record.get("task"):
            row["task"] = record["task"]
            written.notes.append("task kept as extra field 'task' (hh has no task field)")
        written.row = row
        spread_meta(row, record, written, self.name)
        return written


HH_FORMAT = register(HH())
