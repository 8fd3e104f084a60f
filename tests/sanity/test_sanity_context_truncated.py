"""truncated_response judges how a reply ends, and, where the ending alone fails, what its prompt asked: a reply
ending on a closing fence, a sentence end, a closing quote or bracket, or a link is complete; code asked for is
not judged as prose; a fragment rewritten as given keeps its comma. A reply cut mid-sentence still fails. Real
rows by file and line (bench/labels/truncated_response.jsonl), then the exemptions inline."""

from __future__ import annotations

import pytest

from tests.sanity.real_rows import fails, real_row, sft_row
from winnow.curation.record import frame_from_rows

KEPT = [
    ("llama_factory_demo/kto_en_demo.json", 37),  # ENDS_ON_FENCE: a closed ```scala block, then a stray ```
    ("llama_factory_demo/alpaca_en_demo.json", 764),  # ENDS_CLOSED: the prose quotes '(' and ends on "."
    ("hh_rlhf/harmless_base_test.jsonl", 1625),  # ENDS_CLOSED: a quotation opened " and closed ”
    ("codealpaca/code_alpaca_2k.json", 1363),  # ENDS_CLOSED: a string literal of punctuation, ends on ")"
    ("alpaca_chinese_carbonz0/zh-data-part-00.json", 6629),  # ENDS_CLOSED: 【…] stage direction, ends on "]"
    ("hh_rlhf/harmless_base_test.jsonl", 2065),  # ENDS_ON_URL: the last line is a wikipedia link
    ("codealpaca/code_alpaca_2k.json", 858),  # CODE_ASKED: C# whose last line is "// Output: … true"
    (
        "alpaca_chinese_carbonz0/zh-data-part-01.json",
        2384,
    ),  # FRAGMENT_GIVEN: the poem line ends on "，" as given
]
FLAGGED = [
    (
        "hh_rlhf/harmless_base_test.jsonl",
        1157,
    ),  # "Are you sure you want to proceed with this" (earlier turns: code)
    ("hh_rlhf/harmless_base_test.jsonl", 1537),  # cut inside an opened quote: 'his song “'
    ("llama_factory_demo/kto_en_demo.json", 278),  # references cut inside a URL: "Retrieved from <https"
    ("llama_factory_demo/kto_en_demo.json", 21),  # code cut in an unclosed fence: "UInputDispatch:"
    (
        "self_instruct/predictions/davinci-superni-ft_predictions.jsonl",
        13,
    ),  # code asked: "def loop(n):" alone
    (
        "self_instruct/predictions/davinci_predictions.jsonl",
        57,
    ),  # a loop cut mid-sentence (input mentions SQL)
    ("llama_factory_demo/alpaca_zh_demo.json", 43),  # a list cut mid-item: "萨克斯、小号、"
]


@pytest.mark.parametrize(("source", "line"), KEPT)
def test_a_complete_ending_is_kept(source: str, line: int) -> None:
    assert fails("truncated_response", real_row(source, line)) == [False]


@pytest.mark.parametrize(("source", "line"), FLAGGED)
def test_a_reply_cut_off_still_fails(source: str, line: int) -> None:
    assert fails("truncated_response", real_row(source, line)) == [True]


def test_the_exemptions_inline() -> None:
    cut = "Well, there are several things to consider here, and the first one is that"
    rows = [
        sft_row("Explain.", "Here it is:\n```python\nprint(1)\n```\nDone.\n```"),  # ENDS_ON_FENCE
        sft_row("Explain.", "Here it is:\n```python\nprint(1)\n"),  # an unclosed fence
        sft_row("Quote him.", "He said “we’re done. That was all of it. “Really!”"),  # ENDS_CLOSED
        sft_row("Quote him.", "He said. That was all of it. And then “we are"),  # cut in the quote
        sft_row(
            "Sources?", "Read this. It is good. See https://example.org/a/very/long/page_about_it"
        ),  # ENDS_ON_URL
        sft_row(
            "Write a Java function that returns true.", "boolean f() { return true; } // it returns true"
        ),
        sft_row(
            "Write a Python function.", "def add_numbers(x, y):"
        ),  # code asked, but a header with no body
        sft_row("Tell me about it.", f"It is nice. {cut}"),
        sft_row(
            "把这句话改得更礼貌。", "尊敬的各位顾客朋友们，您好，", "亲爱的各位顾客朋友们，你好，"
        ),  # FRAGMENT_GIVEN
        sft_row(
            "把这句话改得更礼貌。", "尊敬的各位顾客朋友们，您好，", "亲爱的各位顾客朋友们，你好。"
        ),  # the input ends otherwise
    ]
    expected = [False, True, False, True, False, False, True, True, False, True]
    assert fails("truncated_response", frame_from_rows(rows)) == expected


def test_a_message_judged_alone_has_no_prompt() -> None:
    frame = frame_from_rows(
        [sft_row("Write a Java function.", "It is nice. And then I think the first one is that")]
    )
    assert fails("truncated_response", frame, field="messages") == [True]
