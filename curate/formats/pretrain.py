"""Pretraining text: {"text": ...} rows (and plain .txt files, one document per line, read by winnow.curation.io)."""

from __future__ import annotations

from winnow.curation.formats.flat import FlatFormat, FlatSpec
from winnow.curation.formats.registry import register

PRETRAIN = register(
    FlatFormat(
        "pretrain",
        FlatSpec(text="text"),
        kind="pretrain",
        required=("text",),
        description="raw text: text (also .txt, one document per line)",
        cannot_hold="conversations: only pretrain rows",
    )
)
