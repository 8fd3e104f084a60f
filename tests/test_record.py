"""Tests for winnow.curation.record and winnow.curation.ledger: field expressions, prompt rendering, the ledger columns."""

from __future__ import annotations

import polars as pl
import pytest

from winnow.curation.ledger import counts_by_reason, kept, record_failures
from winnow.curation.record import RECORD_SCHEMA, content_hash, field_expr, frame_from_rows, prompt_messages


def _frame(rows: list[dict]) -> pl.DataFrame:
    return frame_from_rows(rows)


SFT = {
    "id": "a",
    "kind": "sft",
    "system": "be brief",
    "messages": [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "翻译"},
        {"role": "assistant", "content": "translate"},
    ],
    "input": "你好",
}
PREF = {
    "id": "b",
    "kind": "preference",
    "messages": [{"role": "user", "content": "q"}],
    "chosen": "good",
    "rejected": "bad",
}


def test_field_expressions_address_the_final_turns() -> None:
    frame = _frame([SFT, PREF])
    out = frame.select(field_expr(f) for f in ("instruction", "input", "response", "system", "all_text"))
    assert out.to_dicts() == [
        {
            "instruction": "翻译",
            "input": "你好",
            "response": "translate",
            "system": "be brief",
            "all_text": "be brief\nfirst\none\n翻译\ntranslate\n你好",
        },
        {"instruction": "q", "input": None, "response": "good", "system": None, "all_text": "q\ngood\nbad"},
    ]


def test_prompt_messages_merges_input_into_last_user_turn() -> None:
    assert prompt_messages(SFT) == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "翻译\n你好"},
        {"role": "assistant", "content": "translate"},
    ]


def test_ledger_keeps_first_reason_and_every_failure() -> None:
    frame = _frame([SFT, PREF])
    frame = record_failures(frame, [("too_short", pl.col("id") == "a"), ("never", pl.lit(None, pl.Boolean))])
    frame = record_failures(frame, [("dup", pl.lit(True))])
    assert frame.select("id", "drop_reason", "failed_rules").to_dicts() == [
        {"id": "a", "drop_reason": "too_short", "failed_rules": ["too_short", "dup"]},
        {"id": "b", "drop_reason": "dup", "failed_rules": ["dup"]},
    ]
    assert kept(frame).height == 0
    assert counts_by_reason(frame) == {"dup": 1, "too_short": 1}


def test_content_hash_is_stable() -> None:
    assert content_hash("x", 1) == content_hash("x", 1)
    assert content_hash("x", 1) != content_hash("x", 2)
    assert len(content_hash("x")) == 32


def test_frame_from_rows_fills_missing_columns_and_casts_kind_strictly() -> None:
    frame = frame_from_rows([{"id": "x", "kind": "kto", "label": True}])
    assert frame.schema == RECORD_SCHEMA
    assert frame.row(0, named=True)["label"] is True
    with pytest.raises(pl.exceptions.InvalidOperationError):
        frame_from_rows([{"id": "x", "kind": "bogus"}])
