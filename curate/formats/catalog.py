"""Import order of the format modules = detection tie-break order (earlier wins a tie)."""

from __future__ import annotations

import importlib

MODULES = (
    "alpaca",
    "dolly",
    "hh",
    "input_target",
    "instruction_response",
    "kto",
    "lf_v1",
    "openai",
    "preference_alpaca",
    "preference_sharegpt",
    "pretrain",
    "self_instruct",
    "sharegpt",
)

for _name in MODULES:
    importlib.import_module(f"winnow.curation.formats.{_name}")
