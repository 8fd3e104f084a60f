"""Self-instruct: the flat form {task, instruction, input, output} and the seed-task form
{id, name, instruction, instances: [{input, output}], is_classification}.

A seed task with N instances is N examples (N records, same line; `rows_read` counts examples). `name`
becomes the task; other seed keys (id, is_classification, motivation_app) go to meta. The writer writes the
flat form, so a record read from either form writes back and reads back to the same record.
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
    optional_str,
    require_str,
    unmapped,
)
from winnow.curation.formats.flat import FlatFormat, FlatSpec
from winnow.curation.formats.registry import register

FLAT = FlatFormat(
    "self_instruct",
    FlatSpec(user="instruction", input="input", assistant="output", task="task"),
    kind="sft",
    required=("task", "instruction", "output"),
    description="",
    cannot_hold="",
)


class SelfInstruct(Format):
    name = "self_instruct"
    description = "self-instruct: task, instruction, input, output; or seed tasks with instances"
    signatures = (frozenset({"task", "instruction", "output"}), frozenset({"instruction", "instances"}))
    optional = frozenset({"input", "id", "name", "is_classification"})
    cannot_hold = "multi-turn, system prompts, tool calls, preference/KTO/pretrain rows"
    kinds = ("sft",)

    def to_records(self, row: Any) -> list[Record]:
        if not isinstance(row, dict):
            raise RowError(None, f"expected a JSON object, got {type(row).__name__}")
        if row.get("instances") is None:
            return FLAT.to_records(row)
        instruction = require_str(row, "instruction")
        instances = row["instances"]
        if not isinstance(instances, list) or not instances:
            raise RowError("instances", "expected a non-empty list of {input, output}")
        meta = unmapped(row, ("instruction", "instances", "name"))
        task = optional_str(row, "name")
        records: list[Record] = []
        for i, instance in enumerate(instances):
            where = f"instances[{i}]"
            if not isinstance(instance, Mapping):
                raise RowError(where, "expected an {input, output} object")
            input_text = instance.get("input")
            if input_text is not None and not isinstance(input_text, str):
                raise RowError(f"{where}.input", f"expected a string, got {type(input_text).__name__}")
            output = instance.get("output")
            if not isinstance(output, str):
                raise RowError(f"{where}.output", "missing or not a string")
            records.append(
                {
                    "kind": "sft",
                    "task": task,
                    "input": input_text or None,
                    "messages": [
                        {"role": "user", "content": instruction},
                        {"role": "assistant", "content": check_turn(output, f"{where}.output")},
                    ],
                    "meta": meta,
                }
            )
        return records

    def write_row(self, record: Mapping[str, Any]) -> Written:
        return FLAT.write_row(record)


SELF_INSTRUCT = register(SelfInstruct())
