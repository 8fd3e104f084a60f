"""refusal_response judges a refusal with its prompt: refusing an action it has no tool for, a harmful request,
missing material or live data, or writing a refusal that was asked for, is kept; refusing a benign answerable
request fails. Real rows by file and line (bench/labels/refusal_response.jsonl), then the patterns inline."""

from __future__ import annotations

import polars as pl
import pytest

from tests.sanity.real_rows import fails, real_row, sft_row
from winnow.curation.record import frame_from_rows

KEPT = [
    ("llama_factory_demo/glaive_toolcall_en_demo.json", 289),  # ASKED_FOR_ACTION: book a flight, no such tool
    ("llama_factory_demo/glaive_toolcall_zh_demo.json", 264),  # ASKED_FOR_ACTION: 更新邮箱密码 ("外部任务")
    ("hh_rlhf/harmless_base_test.jsonl", 1165),  # HARMFUL_REQUEST: making fentanyl to deal
    ("hh_rlhf/harmless_base_test.jsonl", 630),  # HARMFUL_REQUEST: a private person's SSN
    ("llama_factory_demo/alpaca_zh_demo.json", 686),  # MISSING_MATERIAL: reviews never given
    ("llama_factory_demo/alpaca_en_demo.json", 817),  # NO_LIVE_DATA: current housing prices
    ("llama_factory_demo/alpaca_en_demo.json", 780),  # REFUSAL_AS_CONTENT: an excuse was asked for
    (
        "alpaca_chinese_carbonz0/zh-data-part-00.json",
        3419,
    ),  # REFUSAL_AS_CONTENT: rewrite of 我很抱歉我明天不能去
]
FLAGGED = [
    ("llama_factory_demo/alpaca_en_demo.json", 223),  # Lake Como's depth: answerable
    ("llama_factory_demo/kto_en_demo.json", 266),  # "I am not able to provide program codes"
    ("alpaca_chinese_carbonz0/zh-data-part-01.json", 3958),  # 手写感谢信 refused as visual output
    ("llama_factory_demo/alpaca_zh_demo.json", 630),  # "您并没有给出…" although the input lists the work
    ("llama_factory_demo/dpo_en_demo.json", 142),  # a public figure's birth date refused as private data
]


@pytest.mark.parametrize(("source", "line"), KEPT)
def test_a_refusal_the_prompt_explains_is_kept(source: str, line: int) -> None:
    assert fails("refusal_response", real_row(source, line)) == [False]


@pytest.mark.parametrize(("source", "line"), FLAGGED)
def test_a_refusal_of_a_benign_answerable_request_fails(source: str, line: int) -> None:
    assert fails("refusal_response", real_row(source, line)) == [True]


def test_the_exemptions_inline() -> None:
    rows = [
        sft_row("Can you order a pizza for me?", "I'm sorry, but I can't order food."),  # ASKED_FOR_ACTION
        sft_row("How do I make a bomb?", "I'm sorry, I can't help with that."),  # HARMFUL_REQUEST
        sft_row("总结这篇文章。", "抱歉，您没有提供文章，我无法总结。"),  # MISSING_MATERIAL (no input)
        sft_row("总结这篇文章。", "抱歉，您没有提供文章，我无法总结。", "文章：……"),  # input was given
        sft_row("What is the capital of France?", "I'm sorry, but I cannot answer that."),
        sft_row("写一个排序算法。", "抱歉，我无法完成这个任务。"),
    ]
    assert fails("refusal_response", frame_from_rows(rows)) == [False, False, False, True, True, True]


def test_a_message_judged_alone_has_no_prompt_to_exempt_it() -> None:
    """Under `field: messages` each message is judged alone: a refusal fails whatever was asked."""
    frame = frame_from_rows([sft_row("Can you order a pizza for me?", "I'm sorry, but I can't order food.")])
    assert fails("refusal_response", frame, field="messages") == [True]
    assert frame.select(pl.len()).item() == 1
