"""response_too_short_for_task does not judge code asked for (a CSS rule, an SQL query, a regex is complete in
one line), a word problem that mentions writing, or SuperNI's "详细说明：" header; a letter that is only its
greeting still fails. Real rows by file and line (bench/labels/response_too_short_for_task.jsonl), then inline."""

from __future__ import annotations

import pytest

from tests.sanity.real_rows import fails, real_row, sft_row
from winnow.curation.record import frame_from_rows

CODE_ALPACA = "codealpaca/code_alpaca_2k.json"
KEPT = [
    (CODE_ALPACA, 189),  # CODE_ASKED: "Create a CSS code to set the font size of a paragraph to 12px."
    (CODE_ALPACA, 1422),  # CODE_ASKED: p { color: blue; }
    (CODE_ALPACA, 1583),  # CODE_ASKED: an SQL query selecting name and email
    (CODE_ALPACA, 769),  # CODE_ASKED: a regex for an email address
    ("alpaca_data_cleaned/gsm_8k_train.json", 3925),  # QUANTITY_QUESTION: "…to write her report?"
    ("llama_factory_demo/dpo_zh_demo.json", 44),  # TASK_HEADER: "详细说明：…" answered "不。"
]
FLAGGED = [
    ("alpaca_chinese_carbonz0/zh-data-part-00.json", 3449),  # a letter that is only "亲爱的史密斯博士，"
    ("self_instruct/predictions/davinci-t0-ft_predictions.jsonl", 61),  # a blog section that is its title
    ("self_instruct/predictions/davinci-t0-ft_predictions.jsonl", 33),  # a review that is "4 stars"
]


@pytest.mark.parametrize(("source", "line"), KEPT)
def test_a_short_answer_that_is_complete_is_kept(source: str, line: int) -> None:
    assert fails("response_too_short_for_task", real_row(source, line), field=None) == [False]


@pytest.mark.parametrize(("source", "line"), FLAGGED)
def test_a_stub_still_fails(source: str, line: int) -> None:
    assert fails("response_too_short_for_task", real_row(source, line), field=None) == [True]


def test_the_exemptions_inline() -> None:
    rows = [
        sft_row("Write a CSS code to make every paragraph bold.", "p { font-weight: bold; }"),  # CODE_ASKED
        sft_row("Write a paragraph about dogs.", "Dogs."),
        sft_row("Tom writes an essay of 300 words a day. How many words in 3 days?", "900 words."),
        sft_row(
            "Tom wants an essay. Write an essay about how many dogs there are.", "Many."
        ),  # not a question
        sft_row("详细说明：判断下面的句子是否正确。", "正确。"),  # TASK_HEADER
        sft_row("请详细说明光合作用。", "光合作用。"),
    ]
    assert fails("response_too_short_for_task", frame_from_rows(rows), field=None) == [
        False, True, False, True, False, True,
    ]  # fmt: skip
