"""unfilled_template judges slots with the prompt: a template asked for, a draft's particulars ("Sincerely,
[Your Name]") and slots the prompt already holds are kept; a draft whose content is slots, a reply that is a
slot, and unrendered {{name}} fail. Real rows by file and line (bench/labels/unfilled_template.jsonl)."""

from __future__ import annotations

import polars as pl
import pytest

from tests.sanity.real_rows import fails, real_row
from winnow.curation.checks.sanity_template import ASKED_FOR_DRAFT, BRACKETED_SPAN, PARTICULAR_SLOT
from winnow.curation.record import frame_from_rows

KEPT = [
    (
        "self_instruct/predictions/text-davinci-003_predictions.jsonl",
        76,
    ),  # reminder e-mail: [date], [Your Name]
    ("alpaca_chinese_carbonz0/zh-data-part-01.json", 4025),  # confirmation written from the input; [你的名字]
    ("alpaca_chinese_carbonz0/zh-data-part-00.json", 6329),  # ASKED_FOR_TEMPLATE: 电子邮件模板
    ("alpaca_chinese_carbonz0/zh-data-part-00.json", 6126),  # SLOT_IN_PROMPT: the draft in the input has them
]
FLAGGED = [
    ("alpaca_chinese_carbonz0/zh-data-part-00.json", 1933),  # letter to the editor: [插入意见], [插入原因]
    ("alpaca_chinese_carbonz0/zh-data-part-01.json", 7994),  # letter to a politician: [问题], [原因]
    ("alpaca_chinese_carbonz0/zh-data-part-00.json", 9155),  # the reply is only [插入条形图]
    ("llama_factory_demo/identity.json", 0),  # "I am {{name}}, … developed by {{author}}"
]


@pytest.mark.parametrize(("source", "line"), KEPT)
def test_slots_the_prompt_asked_for_are_kept(source: str, line: int) -> None:
    assert fails("unfilled_template", real_row(source, line)) == [False]


@pytest.mark.parametrize(("source", "line"), FLAGGED)
def test_slots_standing_for_the_answer_fail(source: str, line: int) -> None:
    assert fails("unfilled_template", real_row(source, line)) == [True]


def _content_slot_left(reply: str) -> bool:
    return bool(
        pl.select(pl.lit(reply).str.replace_all(PARTICULAR_SLOT, "").str.contains(BRACKETED_SPAN)).item()
    )


def test_particulars_and_content_slots() -> None:
    particulars = ["[Your Name]", "[Recipient's Name]", "[Company Name]", "[Location, State]", "[姓名]", "[您的姓名]",
                   "[公司名称]", "[日期]", "【姓名】", "[$XX,XXX]", "[插入姓名]"]  # fmt: skip
    content = ["[insert issue]", "[插入意见]", "[主题描述]", "[问题]", "[Topic]", "[插入条形图]"]
    assert [_content_slot_left(f"Dear {s}, thanks.") for s in particulars] == [False] * len(particulars)
    assert [_content_slot_left(f"I believe {s}.") for s in content] == [True] * len(content)


def test_asked_for_draft() -> None:
    prompts = ["Write a cover letter for a data scientist job.", "给教授写感谢信！", "撰写电子邮件以接受工作机会",
               "A confirmation email should be written for the meeting.", "What letter comes after B?", "写一首诗。"]  # fmt: skip
    assert [bool(pl.select(pl.lit(p).str.contains(ASKED_FOR_DRAFT)).item()) for p in prompts] == [
        True, True, True, True, False, False,
    ]  # fmt: skip


def test_the_exemptions_inline() -> None:
    def sft(instruction: str, reply: str) -> dict[str, object]:
        messages = [{"role": "user", "content": instruction}, {"role": "assistant", "content": reply}]
        return {"id": instruction[:12], "kind": "sft", "messages": messages}

    rows = [
        sft("Write an email inviting friends to dinner.", "Hi all, dinner at 7.\nBest,\n[Your Name]"),
        sft("Write a letter to the editor.", "Dear editor, I believe [insert opinion].\n[Your Name]"),
        sft("Create a template for a meeting note.", "Date: [insert date]\nSummary: [insert summary]"),
        sft("Who are you?", "I am {{name}}, made by {{author}}."),
        sft("What is the capital of France?", "The capital is [city]."),
    ]
    assert fails("unfilled_template", frame_from_rows(rows)) == [False, True, False, True, True]
