"""Chunked encoding: the token-list columns, and the same frames from one process and from two."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from transformers import AutoTokenizer

from tests.conftest import shared_path
from winnow.curation.shard.parallel import TOKENS, encode_chunks, token_lists
from winnow.curation.shard.settings import ShardSettings
from winnow.curation.shard.templates import resolve_template
from winnow.curation.shard.tokenize import ROW_COLUMNS, Encoder


def test_token_lists_keeps_every_list_in_order() -> None:
    series = token_lists([[1, 2, 3], [], [-100, 7]])
    assert series.dtype == TOKENS
    assert series.to_list() == [[1, 2, 3], [], [-100, 7]]


def test_token_lists_of_no_rows() -> None:
    series = token_lists([])
    assert series.dtype == TOKENS
    assert series.len() == 0


@pytest.fixture(scope="module")
def llama3() -> Any:
    return AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "llama3_1")))


def _rows(n: int) -> pl.DataFrame:
    rows = [
        {
            "id": f"r{i}",
            "kind": "sft",
            "messages": [
                {"role": "user", "content": f"问题 {i}: what is {i} + {i}?"},
                {"role": "assistant", "content": f"{i} + {i} = {2 * i}."},
            ],
        }
        for i in range(n)
    ]
    rows.append({"id": "q", "kind": "sft", "messages": [{"role": "user", "content": "no reply"}]})
    return pl.DataFrame(rows).with_columns(
        [pl.lit(None, pl.String).alias(c) for c in ROW_COLUMNS if c not in ("id", "kind", "messages")]
    )


def test_two_workers_give_the_frames_of_one(llama3: Any) -> None:
    encoder = Encoder(llama3, resolve_template("auto", llama3), ShardSettings())
    rows = _rows(9).select(ROW_COLUMNS)
    one = encode_chunks(encoder, rows, workers=1, chunk_rows=4)
    two = encode_chunks(encoder, rows, workers=2, chunk_rows=4)
    assert [r.rows for r in one] == [4, 4, 2]
    for a, b in zip(one, two, strict=True):
        assert a.sft.equals(b.sft)
        assert a.dropped.equals(b.dropped)
    sft = pl.concat([r.sft for r in one])
    assert sft["row"].to_list() == list(range(9))
    assert sft.schema == pl.Schema(
        {"row": pl.Int64(), "input_ids": TOKENS, "labels": TOKENS, "truncated": pl.Boolean()}
    )
    first = sft.row(0, named=True)
    assert (
        first["input_ids"]
        == llama3.apply_chat_template(
            [
                {"role": "user", "content": "问题 0: what is 0 + 0?"},
                {"role": "assistant", "content": "0 + 0 = 0."},
            ],
            tokenize=True,
            return_dict=True,
        )["input_ids"]
    )
    trained = [t for t, v in zip(first["input_ids"], first["labels"], strict=True) if v != -100]
    assert llama3.decode(trained) == "0 + 0 = 0.<|eot_id|>"
    assert one[-1].dropped.to_dicts() == [
        {"row": 9, "reason": "no_trainable_tokens", "detail": "sft: 8 tokens"}
    ]
