"""The prompt checks with their context: input_unseen_content does not fail markup or a URL that is the data
of a code request or of a question about the address itself; merged_instructions wants a numbered instruction,
not a numbered "Input:" step. Real rows by file and line (bench/labels), then the exemptions inline."""

from __future__ import annotations

import pytest

from tests.sanity.real_rows import fails, real_row, sft_row
from winnow.curation.record import frame_from_rows

ZH_01 = "alpaca_chinese_carbonz0/zh-data-part-01.json"
INPUT_KEPT = [
    ("codealpaca/code_alpaca_2k.json", 327),  # CODE_ASKED: CSS for <img src="logo.png">
    ("codealpaca/code_alpaca_2k.json", 898),  # CODE_ASKED: a function to parse the URL given
    ("llama_factory_demo/alpaca_en_demo.json", 195),  # URL_AS_DATA: output the domain of the URL
    (ZH_01, 8395),  # URL_AS_DATA: 输出该 URL 的域，不包括子域
    ("alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json", 7190),  # URL_AS_DATA: domain registration
]
INPUT_FLAGGED = [
    ("llama_factory_demo/alpaca_en_demo.json", 166),  # outline an article given only as a URL
    ("llama_factory_demo/alpaca_en_demo.json", 651),  # "Given a URL, explain the content of the webpage"
    ("alpaca_chinese_carbonz0/zh-data-part-00.json", 3092),  # crop the photo <附上图片>
]


@pytest.mark.parametrize(("source", "line"), INPUT_KEPT)
def test_content_that_is_data_is_kept(source: str, line: int) -> None:
    assert fails("references_unseen_content", real_row(source, line), field="input") == [False]


@pytest.mark.parametrize(("source", "line"), INPUT_FLAGGED)
def test_content_the_model_cannot_see_fails(source: str, line: int) -> None:
    assert fails("references_unseen_content", real_row(source, line), field="input") == [True]


def test_a_numbered_input_step_is_not_a_merged_task() -> None:
    assert fails("merged_instructions", real_row("llama_factory_demo/alpaca_en_demo.json", 923)) == [False]
    assert fails("merged_instructions", real_row(ZH_01, 721)) == [True]  # "5. 说明：此代码的潜在问题是什么？"


def test_the_exemptions_inline() -> None:
    rows = [
        sft_row("Write HTML that shows this logo.", "<img src='a.png'>", "<img src='a.png'>"),  # CODE_ASKED
        sft_row("Describe this picture.", "A cat on a mat.", "<img src='a.png'>"),
        sft_row("What is the domain of this URL?", "example.com", "https://sub.example.com/x"),  # URL_AS_DATA
        sft_row("Summarize this article.", "It says things.", "https://example.com/news/1"),
    ]
    assert fails("references_unseen_content", frame_from_rows(rows), field="input") == [
        False,
        True,
        False,
        True,
    ]
    merged = [
        sft_row("How does a computer work?", "Steps:\n1. Input: data comes in.\n2. Output: results go out."),
        sft_row("Describe it.", "It is fine.\n5. Instruction: Write a poem.\n5. Input:\n<noinput>"),
        sft_row("描述它。", "很好。\n6. 说明：写一首诗。\n6.输入：\n无"),
    ]
    assert fails("merged_instructions", frame_from_rows(merged)) == [False, True, True]
