"""Text-scope sanity checks on zh and en replies, through the registry and the rule engine."""

from __future__ import annotations

import polars as pl
import pytest

from winnow.curation.checks.engine import build_rule
from winnow.curation.checks.registry import get_check
from winnow.curation.checks.section import RuleConfig
from winnow.curation.ledger import record_failures
from winnow.curation.record import frame_from_rows


def _sft(instruction: str, reply: str | None, input_text: str | None = None) -> dict[str, object]:
    messages = [{"role": "user", "content": instruction}]
    if reply is not None:
        messages.append({"role": "assistant", "content": reply})
    return {"id": instruction[:8], "kind": "sft", "messages": messages, "input": input_text}


def _fails(check: str, field: str, rows: list[dict[str, object]]) -> list[bool]:
    """Failures of one rule over rows, as the engine builds it (null = pass)."""
    built = build_rule(RuleConfig(name=check, check=check, field=field, params={}))
    return frame_from_rows(rows).select(built.fails.fill_null(False)).to_series().to_list()


def _replies(check: str, replies: list[str | None]) -> list[bool]:
    return _fails(check, "response", [_sft(f"q{i}", r) for i, r in enumerate(replies)])


def test_empty_response_zh_en() -> None:
    assert _replies("empty_response", ["", "   \n\t", "\u200b ", "ok", "好的", None]) == [
        True, True, True, False, False, False,
    ]  # fmt: skip


def test_placeholder_response_zh_en() -> None:
    flagged = ["N/A", "<noinput>", "<No Output>", "...", "…", "无", "略。", "同上", "暂无", "不适用"]
    kept = ["None", "null", "没有", "无法确定，因为缺少信息。", "N/A is short for not applicable."]
    assert _replies("placeholder_response", flagged + kept) == [True] * len(flagged) + [False] * len(kept)


def test_refusal_response_zh_en() -> None:
    replies = [
        "I'm sorry, but I cannot help with that request.",
        "Unfortunately, I am unable to browse the internet.",
        "I am unable to provide real-time stock prices.",
        "抱歉，我无法回答这个问题。",
        "我不能提供这方面的信息。",
        "Sure! Here is the answer: 42.",
        "很抱歉听到这个消息，希望你早日康复。",
    ]
    assert _replies("refusal_response", replies) == [True, True, True, True, True, False, False]


def test_ai_self_reference_zh_en() -> None:
    replies = [
        "As an AI language model, I do not have opinions.",
        "I am just an AI, but here is an idea.",
        "作为一个AI语言模型，我没有个人观点。",
        "作为人工智能，我无法感受情绪。",
        "AI models are trained on data.",
        "人工智能正在改变世界。",
    ]
    assert _replies("ai_self_reference", replies) == [True, True, True, True, False, False]


def test_merged_instructions_zh_en() -> None:
    replies = [
        "It depends.\n##\n18. Instruction: Identify the noun.\n18. Input:\nThe apple.",
        "Answer.\n### Instruction:\nDo more.",
        "第一题的答案。\n指令：写一首诗",
        "Step 1. Mix. Step 2. Bake.",
        "## Heading\nText under a heading",
    ]
    assert _replies("merged_instructions", replies) == [True, True, True, False, False]


def test_references_unseen_content_on_input_zh_en() -> None:
    rows = [
        _sft("Summarize the given article.", "x", "https://www.bbc.com/news/world-51461830"),
        _sft("Classify the shape.", "Triangle", "<Picture Attached>"),
        _sft("Describe the graph above.", "x"),
        _sft("如图所示，求阴影部分面积。", "x"),
        _sft("请描述这张图片的内容。", "x"),
        _sft("详细信息见附件。", "x"),
        _sft("Summarize the text.", "x", "The web page https://a.org explains the policy in detail."),
        _sft("画一幅图", "x"),
    ]
    assert _fails("references_unseen_content", "instruction", rows[2:]) == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    assert _fails("references_unseen_content", "input", rows[:2] + rows[6:7]) == [True, True, False]


def test_a_link_the_reply_writes_out_is_not_unseen_content() -> None:
    url = "https://jsonplaceholder.typicode.com/posts"
    rows = [
        _sft("Fetch the posts with JavaScript.", f"fetch('{url}')\n  .then(r => r.json())", url),
        _sft("用 Python 获取这个网址的内容。", f"import requests\nrequests.get('{url}')", f"<{url}>"),
        _sft("Summarize the given article.", "The article is about politics.", url),  # the page is unseen
    ]
    assert _fails("references_unseen_content", "input", rows) == [False, False, True]


def test_truncated_response_zh_en() -> None:
    replies = [
        "Here is the code:\n```python\nprint(1)",
        "The answer (see the table below",
        "He said “hello and left",
        "This is a full sentence. But this second one stops in the middle of the",
        "这是一个完整的句子。然而第二个句子在中间就被截断了没有结束",
        "First, second, third,",
        "The difference of 278 and 668 is 278 and the",  # one line, no other sentence: still cut
        "路程 = 速度 × 时间 = 40 ×，然后",
        "The Future of Artificial Intelligence in Healthcare",
        "Grades for the essays written this term, in order: A",
        "The word you are looking for, reversed, is: fox brown quick The",
        "Done. It works.",
        "这是完整的回答。",
        "```python\nx = (1, 2)\n```\nThat is all.",
        "SELECT * FROM cars WHERE year = 2020 ORDER BY brand LIMIT 10;",
        "巴西利斯克（Basilisk)是一种奇特的生物。",
        "最近的发展确实非常了不起！人工智能的发展速度之快令人惊叹。 #AI #创新",
        "“生活是一个笑话，一点都不好笑。” ——匿名",
        "步骤如下。\n- 第一步：准备材料和工具并检查",
        # GSM8K's answers end on their worked result, with no full stop
        "They sold 120 at $2.00 each.\nTogether, they made 192+240 = $432.00 for the little league team",
        "Penny's snake is 29 inches.\nSo we get j = 29 inches + 12 inches = 41 inches",
    ]
    assert _replies("truncated_response", replies) == [True] * 8 + [False] * 13


def test_unfilled_template_zh_en() -> None:
    replies = [
        "Hello! I am {{name}}, an assistant developed by {{author}}.",
        "Dear [Recipient Name],\nThank you.",
        "Best regards,\n<your name>",
        "尊敬的【姓名】先生：",
        "Use `{{ name }}` in the template:\n```\n<p>{{ name }}</p>\n```",
        "See [the docs](https://example.com).",
        "你好，我是小助手。",
    ]
    assert _replies("unfilled_template", replies) == [True, True, True, True, False, False, False]


def test_unfilled_template_leaves_unfenced_code_alone() -> None:
    replies = [
        "for (const [name, grade] of Object.entries(grades)) {\n  top = name;\n}",  # a JavaScript loop
        '<ul>\n  <li *ngFor="let book of books">{{book.title}}</li>\n</ul>',  # an Angular template
        "Here is the letter.\n\nBest regards,\n[Your Name]",  # a letter still signed with a slot
        "亲爱的教授，\n\n这是我的作业。\n\n[您的姓名]",
    ]
    assert _replies("unfilled_template", replies) == [False, False, True, True]


def test_text_check_on_messages_fails_row_when_any_message_fails() -> None:
    row = {
        "id": "m",
        "kind": "sft",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "N/A"},
            {"role": "user", "content": "again"},
            {"role": "assistant", "content": "fine"},
        ],
    }
    assert _fails("placeholder_response", "messages", [row]) == [True]


def test_reason_strings_reach_the_ledger() -> None:
    frame = frame_from_rows([_sft("q", "N/A"), _sft("写作文", "略"), _sft("q2", "A full answer.")])
    rules = [
        build_rule(RuleConfig(name=n, check=n, field="response", params={}))
        for n in ("empty_response", "placeholder_response")
    ]
    out = record_failures(frame, [(b.rule.name, b.fails) for b in rules])
    assert out["drop_reason"].to_list() == ["placeholder_response", "placeholder_response", None]


@pytest.mark.parametrize(
    "name",
    ["empty_response", "placeholder_response", "refusal_response", "ai_self_reference", "merged_instructions",
     "references_unseen_content", "truncated_response", "unfilled_template"],
)  # fmt: skip
def test_text_checks_are_registered_as_sanity_text_checks(name: str) -> None:
    spec = get_check(name)
    assert spec.scope == "text"
    assert spec.family.startswith("sanity_")
    assert isinstance(spec.build(pl.col("x"), {}).fails, pl.Expr)
