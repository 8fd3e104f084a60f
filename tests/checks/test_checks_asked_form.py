"""The composition checks do not judge a reply in the form its instruction asked for (curate/checks/asked_form.py):
real rows by file and line (bench/labels/max_special_char_ratio.jsonl, min_alnum_ratio, max_digit_ratio,
max_symbol_ratio), then the forms inline."""

from __future__ import annotations

import pytest

from tests.sanity.real_rows import fails, real_row, sft_row
from winnow.curation.record import frame_from_rows

KEPT = [
    ("max_special_char_ratio", "codealpaca/code_alpaca_2k.json", 923),  # the email regex asked for
    ("max_special_char_ratio", "codealpaca/code_alpaca_2k.json", 1963),  # a truth table asked for
    ("max_special_char_ratio", "alpaca_chinese_carbonz0/zh-data-part-00.json", 6910),  # 正则表达式
    ("min_alnum_ratio", "codealpaca/code_alpaca_2k.json", 393),  # phone-number regex
    ("min_alnum_ratio", "codealpaca/code_alpaca_2k.json", 1065),  # password regex
    ("max_digit_ratio", "alpaca_chinese_carbonz0/zh-data-part-01.json", 9898),  # 7 的乘法表
    ("max_digit_ratio", "alpaca_chinese_carbonz0/zh-data-part-00.json", 989),  # primes 1..50
    ("max_digit_ratio", "codealpaca/code_alpaca_2k.json", 504),  # 10 random integers
    ("max_symbol_ratio", "alpaca_chinese_carbonz0/zh-data-part-01.json", 4166),  # a phrase as emoji
    ("max_url_ratio", "alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json", 6088),  # request(url) tool
    ("max_url_ratio", "self_instruct/predictions/text-davinci-003_predictions.jsonl", 12),  # a list of URLs
    ("max_url_ratio", "alpaca_chinese_carbonz0/zh-data-part-00.json", 6148),  # 链接到维基百科文章
    ("max_url_ratio", "self_instruct/predictions/text-davinci-001_predictions.jsonl", 243),  # an HTML img tag
]
STILL_FLAGGED = [
    # a frequency table whose letters were machine-translated into Chinese characters: not asked-for notation
    ("max_special_char_ratio", "alpaca_chinese_carbonz0/zh-data-part-00.json", 9744),
    # asked to design a logo or draw a flowchart: an image link is no answer
    ("max_url_ratio", "alpaca_chinese_carbonz0/zh-data-part-00.json", 825),
    ("max_url_ratio", "alpaca_chinese_carbonz0/zh-data-part-00.json", 7405),
]


@pytest.mark.parametrize(("check", "source", "line"), KEPT)
def test_a_reply_in_the_asked_form_is_not_judged(check: str, source: str, line: int) -> None:
    assert fails(check, real_row(source, line)) == [False]


@pytest.mark.parametrize(("check", "source", "line"), STILL_FLAGGED)
def test_garbage_the_prompt_did_not_ask_for_still_fails(check: str, source: str, line: int) -> None:
    assert fails(check, real_row(source, line)) == [True]


def test_the_forms_inline() -> None:
    regex = r"^[^@\s]+@[^@\s]+$|^<[^>]*>$|^\$\{[^}]*\}$|^[|~^&*%=+]+$"
    rows = [
        sft_row("Write a regular expression for emails.", regex),
        sft_row("写一个SQL查询", regex),
        sft_row("Tell me about your day.", regex),  # symbols nobody asked for
        sft_row("写一个关于三角函数的问题", regex),  # a math question, not code: 三角函数 is no 函数 of code
    ]
    frame = frame_from_rows(rows)
    assert fails("max_special_char_ratio", frame) == [False, False, True, True]
    digits = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"
    numbers = frame_from_rows(
        [
            sft_row("列出1到22之间的整数", digits),
            sft_row("Describe a sunset.", digits),
            sft_row("Find the even numbers.", digits),
        ]
    )
    assert fails("max_digit_ratio", numbers) == [False, True, False]
    emoji = "🎉🎉🎊🎈🎁🎉🎊🎈🎁🎉🎊🎈🎁🎉🎊🎈🎁🎉🎊🎈🎁🎉"
    symbols = frame_from_rows(
        [sft_row("Answer with emojis only.", emoji), sft_row("How was the party?", emoji)]
    )
    assert fails("max_symbol_ratio", symbols) == [False, True]


def test_a_message_judged_alone_has_no_prompt_and_no_exemption() -> None:
    frame = frame_from_rows(
        [sft_row("Write a regular expression.", "^[^@\\s]+@[^@\\s]+$ ^[^@\\s]+@[^@\\s]+$")]
    )
    assert fails("max_special_char_ratio", frame, field="messages") == [True]
