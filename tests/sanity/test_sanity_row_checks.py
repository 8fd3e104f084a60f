"""Row-scope sanity checks (echo, too short, conversations, preference, KTO) on zh and en rows."""

from __future__ import annotations

import polars as pl
import pytest

from winnow.curation.checks.engine import build_rule
from winnow.curation.checks.section import RuleConfig
from winnow.curation.record import frame_from_rows


def _turns(*pairs: tuple[str, str | None]) -> list[dict[str, str | None]]:
    return [{"role": role, "content": content} for role, content in pairs]


def _sft(instruction: str, reply: str, input_text: str | None = None) -> dict[str, object]:
    return {
        "id": instruction[:8],
        "kind": "sft",
        "messages": _turns(("user", instruction), ("assistant", reply)),
        "input": input_text,
    }


def _run(check: str, rows: list[dict[str, object]], **params: object) -> pl.DataFrame:
    built = build_rule(RuleConfig(name=check, check=check, field=None, params=params))
    exprs = [built.fails.fill_null(False).alias("fails")]
    if built.metric is not None:
        exprs.append(built.metric.alias("metric"))
    return frame_from_rows(rows).select(exprs)


def _fails(check: str, rows: list[dict[str, object]], **params: object) -> list[bool]:
    return _run(check, rows, **params)["fails"].to_list()


def test_response_echoes_prompt_zh_en() -> None:
    rows = [
        _sft("What is the capital of France?", "What is the capital of France"),
        _sft("把这句话改写得更正式。", "我明天不来了", "我明天不来了。"),
        _sft(
            "Rewrite the following sentence in passive voice.",
            "Rewrite the following sentence in passive voice. The ball was thrown.",
        ),
        _sft("What is the capital of France?", "Paris."),
        _sft("翻译：你好", "Hello"),
    ]
    assert _fails("response_echoes_prompt", rows) == [True, True, True, False, False]


def test_response_too_short_zh_en_with_metric() -> None:
    rows = [
        _sft("Write an essay about climate change.", "Climate change is bad."),
        _sft("写一篇关于春天的作文。", "春天来了，花开了。"),
        _sft("Write a title for an essay about dogs.", "Dogs and Us"),
        _sft("Write a story in 200 words.", " ".join(["word"] * 120)),
        _sft("用300字写一篇短文介绍北京。", "北京" * 40),
        _sft("What is 2+2?", "4"),
    ]
    out = _run("response_too_short_for_task", rows)
    assert out["fails"].to_list() == [True, True, False, False, True, False]
    assert out["metric"].to_list() == pytest.approx([0.1, 7 / 1.7 / 40, None, 1.2, 0.5333333333333333, None])


def test_response_too_short_leaves_look_alikes_alone() -> None:
    rows = [
        _sft("改写以下句子，使其使用现在完成时：“我昨天写了一篇文章。”", "我已经写了一篇文章。"),
        _sft("写一条秘密信息", "大胆，只争朝夕！"),
        _sft("列出写论文时要记住的五个最重要的事情。", "1. 清晰 2. 逻辑"),
        _sft("用正确的标点符号和大小写重新格式化以下段落。", "好的。"),
        _sft("从这篇 1000 字的文章中删除不属于的段落。", "删除第二段。"),
        _sft("Write the opening line of a story about a dragon.", "The dragon woke."),
        _sft(
            "A user story is a short description. Write a user story for a mail app.",
            "As a user, I want mail.",
        ),
    ]
    assert _run("response_too_short_for_task", rows)["metric"].to_list() == [None] * 7


def test_response_too_short_min_ratio_is_the_threshold() -> None:
    rows = [_sft("Write an essay about cats.", " ".join(["cat"] * 30))]  # 30 / 40 = 0.75
    assert _fails("response_too_short_for_task", rows, min_ratio=0.5) == [False]
    assert _fails("response_too_short_for_task", rows, min_ratio=1.0) == [True]


def test_conversation_checks() -> None:
    good = {
        "id": "g",
        "kind": "sft",
        "messages": _turns(("user", "你好"), ("assistant", "你好！"), ("user", "Bye"), ("assistant", "Bye!")),
    }
    tools = {
        "id": "t",
        "kind": "sft",
        "messages": _turns(
            ("user", "weather?"), ("tool_call", "{}"), ("tool", "{}"), ("assistant", "Sunny.")
        ),
    }
    two_users = {
        "id": "u",
        "kind": "sft",
        "messages": _turns(("user", "a"), ("user", "b"), ("assistant", "c")),
    }
    opens_assistant = {
        "id": "a",
        "kind": "sft",
        "messages": _turns(("assistant", "Hi"), ("user", "q"), ("assistant", "r")),
    }
    ends_user = {
        "id": "e",
        "kind": "sft",
        "messages": _turns(("user", "q"), ("assistant", "r"), ("user", "还有吗？")),
    }
    empty_turn = {"id": "m", "kind": "sft", "messages": _turns(("user", "q"), ("assistant", "  "))}
    repeated = {
        "id": "r",
        "kind": "sft",
        "messages": _turns(("user", "Tell me a joke."), ("assistant", "tell me a joke")),
    }
    pref_ok = {
        "id": "p",
        "kind": "preference",
        "messages": _turns(("user", "q")),
        "chosen": "a",
        "rejected": "b",
    }
    pref_ends_assistant = {
        "id": "q",
        "kind": "preference",
        "messages": _turns(("user", "q"), ("assistant", "a")),
        "chosen": "a",
        "rejected": "b",
    }
    pretrain = {"id": "x", "kind": "pretrain", "text": "plain text"}
    rows = [
        good,
        tools,
        two_users,
        opens_assistant,
        ends_user,
        empty_turn,
        repeated,
        pref_ok,
        pref_ends_assistant,
        pretrain,
    ]
    assert _fails("conversation_role_order", rows) == [
        False,
        False,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
        False,
    ]
    assert _fails("conversation_last_turn", rows) == [
        False,
        False,
        False,
        False,
        True,
        False,
        False,
        False,
        True,
        False,
    ]
    assert _fails("conversation_empty_turn", rows) == [
        False,
        False,
        False,
        False,
        False,
        True,
        False,
        False,
        False,
        False,
    ]
    assert _fails("conversation_repeated_turn", rows) == [
        False,
        False,
        False,
        False,
        False,
        False,
        True,
        False,
        False,
        False,
    ]


def test_preference_and_kto_checks() -> None:
    prompt = _turns(("user", "哪个更好？"))
    rows = [
        {"id": "1", "kind": "preference", "messages": prompt, "chosen": "答案A", "rejected": " 答案A\n"},
        {"id": "2", "kind": "preference", "messages": prompt, "chosen": "Yes.", "rejected": ""},
        {"id": "3", "kind": "preference", "messages": prompt, "chosen": None, "rejected": "No."},
        {"id": "4", "kind": "preference", "messages": prompt, "chosen": "Yes.", "rejected": "No."},
        {"id": "5", "kind": "kto", "messages": _turns(("user", "q"), ("assistant", "a")), "label": None},
        {"id": "6", "kind": "kto", "messages": _turns(("user", "q"), ("assistant", "a")), "label": False},
        {"id": "7", "kind": "sft", "messages": _turns(("user", "q"), ("assistant", "a"))},
    ]
    assert _fails("preference_identical_pair", rows) == [True, False, False, False, False, False, False]
    assert _fails("preference_empty_side", rows) == [False, True, True, False, False, False, False]
    assert _fails("kto_missing_label", rows) == [False, False, False, False, True, False, False]
