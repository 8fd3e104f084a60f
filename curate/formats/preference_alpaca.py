"""Alpaca-style preference pairs: {instruction, input?, chosen, rejected, system?, history?}."""

from __future__ import annotations

from winnow.curation.formats.flat import FlatFormat, FlatSpec
from winnow.curation.formats.registry import register

PREFERENCE_ALPACA = register(
    FlatFormat(
        "preference_alpaca",
        FlatSpec(
            user="instruction",
            input="input",
            chosen="chosen",
            rejected="rejected",
            system="system",
            history="history",
        ),
        kind="preference",
        required=("instruction", "chosen", "rejected"),
        description="preference pairs: instruction, input, chosen, rejected (+ system, history)",
        cannot_hold="tool calls, task, sft/KTO/pretrain rows",
    )
)
