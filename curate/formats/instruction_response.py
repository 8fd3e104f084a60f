"""The instruction/response variant: {instruction, context or input, response, system?} (no category).

Self-instruct's prediction files use `input`; many Dolly-derived sets drop `category` and keep `context`.
Both read; the writer writes `context`.
"""

from __future__ import annotations

from typing import Any

from winnow.curation.formats.base import Record, RowError
from winnow.curation.formats.flat import FlatFormat, FlatSpec
from winnow.curation.formats.registry import register


class InstructionResponse(FlatFormat):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optional = self.optional | {"input"}  # read as an alias of context

    def to_records(self, row: Any) -> list[Record]:
        if isinstance(row, dict) and row.get("input") is not None:
            if row.get("context") is not None:
                raise RowError("input", "both 'context' and 'input' are set; keep one")
            row = {("context" if k == "input" else k): v for k, v in row.items()}
        return super().to_records(row)


INSTRUCTION_RESPONSE = register(
    InstructionResponse(
        "instruction_response",
        FlatSpec(user="instruction", input="context", assistant="response", system="system"),
        kind="sft",
        required=("instruction", "response"),
        description="instruction, context (or input), response (+ system)",
        cannot_hold="multi-turn, tool calls, task, preference/KTO/pretrain rows",
    )
)
