"""The built-in classifier on tiny zh/en rows, and its agreement with labels real data carries."""

from __future__ import annotations

import json

import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.record import frame_from_rows
from winnow.curation.tasks.classifier import classify


def _row(instruction: str, reply: str = "ok", input_text: str | None = None, **extra: object) -> dict:
    return {
        "id": instruction,
        "kind": "sft",
        "messages": [{"role": "user", "content": instruction}, {"role": "assistant", "content": reply}],
        "input": input_text,
        **extra,
    }


@pytest.mark.parametrize(
    ("row", "task"),
    [
        (_row("Translate the following sentence into French.", input_text="Good morning"), "translation"),
        (_row("把这句话翻译成英文：今天天气很好"), "translation"),
        (_row("Summarize the article below.", input_text="A long article."), "summarization"),
        (_row("请总结下面这段话的主要内容。"), "summarization"),
        (
            _row(
                "Write a Python function that reverses a string.",
                "```python\ndef rev(s):\n    return s[::-1]\n```",
            ),
            "code",
        ),
        (_row("用Python编写一个快速排序算法"), "code"),
        (
            _row(
                "Natalia sold 48 clips in April and half as many in May. How many clips did she sell?",
                "48/2 = 24. 48+24 = 72",
            ),
            "math",
        ),
        (_row("计算 12 乘以 7 等于多少？"), "math"),
        (_row("Extract all the dates mentioned in the text.", input_text="On 3 May we met."), "extraction"),
        (
            _row("Classify the sentiment of this review as positive or negative.", input_text="Great!"),
            "classification",
        ),
        (_row("将以下动物分类为哺乳动物或鸟类：狗，鹰"), "classification"),
        (_row("Rewrite the sentence in the passive voice.", input_text="The cat ate the fish."), "rewriting"),
        (_row("请润色这段文字"), "rewriting"),
        (_row("Write a short poem about autumn."), "creative_writing"),
        (_row("写一首关于春天的诗"), "creative_writing"),
        (_row("Give me five ideas for a birthday party."), "brainstorming"),
        (_row("列出三种保持健康的方法"), "brainstorming"),
        (
            _row(
                "Who wrote the novel mentioned here?",
                input_text="Pride and Prejudice is a novel by Jane Austen.",
            ),
            "closed_qa",
        ),
        (_row("Why is the sky blue?"), "open_qa"),
        (_row("为什么天空是蓝色的？"), "open_qa"),
        (_row("集思广益为宠物用品店起一个品牌名称。"), "brainstorming"),
        (_row("3公斤换算成克"), "math"),
        (_row("判断下列说法对错：所有的岩石都是由矿物组成的。"), "classification"),
        (_row("Take on the role of a detective and solve the case."), "creative_writing"),
        (_row("Translate this Python code to JavaScript.", "```js\nconsole.log(1)\n```"), "code"),
        (_row("Hello there."), "other"),
    ],
)
def test_rules_pick_the_task(row: dict, task: str) -> None:
    assert classify(frame_from_rows([row]))["task"].to_list() == [task]


def test_structure_beats_keywords() -> None:
    tool_row = _row("Translate this", tools='[{"name": "translate"}]')
    chat_row = {
        "id": "c",
        "kind": "sft",
        "messages": [
            {"role": "user", "content": "Translate hi"},
            {"role": "assistant", "content": "salut"},
            {"role": "user", "content": "and bye?"},
            {"role": "assistant", "content": "au revoir"},
        ],
    }
    empty_tools = _row("Why?", tools="[]")
    result = classify(frame_from_rows([tool_row, chat_row, empty_tools]))
    assert result["task"].to_list() == ["tool_use", "multi_turn_chat", "open_qa"]
    assert result["confidence"].to_list() == [0.95, 0.8, 0.55]


def test_pretrain_rows_use_text() -> None:
    row = {"id": "p", "kind": "pretrain", "text": "Translate this to German please"}
    assert classify(frame_from_rows([row]))["task"].to_list() == ["translation"]


def _alpaca(path: str, limit: int) -> pl.DataFrame:
    rows = json.loads(shared_path(*path.split("/")).read_text(encoding="utf-8"))[:limit]
    return frame_from_rows(
        [
            _row(r["instruction"], r.get("output") or r.get("response") or "", r.get("input") or None)
            for r in rows
        ]
    )


def test_agreement_on_code_and_math_sets() -> None:
    """Code Alpaca is all code and GSM8K all math: the classifier must agree on >= 90% of each."""
    code = classify(_alpaca("codealpaca/code_alpaca_2k.json", 2017))
    math = classify(_alpaca("alpaca_data_cleaned/gsm_8k_train.json", 2000))
    assert (code["task"] == "code").mean() >= 0.9
    assert (math["task"] == "math").mean() >= 0.9
