"""Dolly 15k: {instruction, context, response, category}; context → input, category → task."""

from __future__ import annotations

from winnow.curation.formats.flat import FlatFormat, FlatSpec
from winnow.curation.formats.registry import register

DOLLY = register(
    FlatFormat(
        "dolly",
        FlatSpec(user="instruction", input="context", assistant="response", task="category"),
        kind="sft",
        required=("instruction", "response", "category"),
        description="Databricks Dolly: instruction, context, response, category",
        cannot_hold="multi-turn, system prompts, tool calls, preference/KTO/pretrain rows",
    )
)
