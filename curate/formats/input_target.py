"""input_text/target_text pairs (T5/FLAN style): input_text → user turn, target_text → reply."""

from __future__ import annotations

from winnow.curation.formats.flat import FlatFormat, FlatSpec
from winnow.curation.formats.registry import register

INPUT_TARGET = register(
    FlatFormat(
        "input_target",
        FlatSpec(user="input_text", assistant="target_text"),
        kind="sft",
        required=("input_text", "target_text"),
        description="seq2seq pairs: input_text, target_text",
        cannot_hold="multi-turn, system prompts, separate input (merged into input_text), tools, non-sft rows",
    )
)
