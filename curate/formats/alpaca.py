"""Alpaca: {instruction, input, output, system?, history?}; history pairs become earlier turns."""

from __future__ import annotations

from winnow.curation.formats.flat import FlatFormat, FlatSpec
from winnow.curation.formats.registry import register

ALPACA_SPEC = FlatSpec(
    user="instruction", input="input", assistant="output", system="system", history="history"
)

ALPACA = register(
    FlatFormat(
        "alpaca",
        ALPACA_SPEC,
        kind="sft",
        required=("instruction", "output"),
        description="Stanford Alpaca / LLaMA-Factory alpaca: instruction, input, output (+ system, history)",
        cannot_hold="tool calls, tools, task, preference/KTO/pretrain rows",
    )
)
