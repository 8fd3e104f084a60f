"""response_echoes_prompt judges a reply equal to the input with its instruction: a correction of a text with
nothing to correct, an ordering of what is already in order, a case or layout change that the comparison does
not see, are answers; a rewrite, translation or tense change answered with the input is an echo. Real rows by
file and line (bench/labels/response_echoes_prompt.jsonl), then the exemptions inline."""

from __future__ import annotations

import pytest

from tests.sanity.real_rows import fails, real_row, sft_row
from winnow.curation.record import frame_from_rows

ZH_00 = "alpaca_chinese_carbonz0/zh-data-part-00.json"
ZH_01 = "alpaca_chinese_carbonz0/zh-data-part-01.json"
KEPT = [
    (ZH_01, 7003),  # ASKED_TO_CORRECT: grammar and punctuation, the missing final 。 added
    (ZH_01, 3796),  # ASKED_TO_CORRECT: 纠正这句话中的语法 of a correct sentence
    (ZH_01, 6010),  # ASKED_TO_CORRECT: subject-verb agreement (一致) already right
    (ZH_01, 7187),  # ASKED_TO_ORDER: prices already low to high
    (ZH_00, 1595),  # ASKED_TO_ORDER: countries already matched with capitals
    ("codealpaca/code_alpaca_2k.json", 1198),  # CHANGED_AS_ASKED: vowels uppercased
    ("llama_factory_demo/alpaca_en_demo.json", 181),  # CHANGED_AS_ASKED: divided into two paragraphs
]
FLAGGED = [
    (ZH_01, 2836),  # translate into French, the Chinese returned
    (ZH_00, 1206),  # rewrite with synonyms, unchanged
    (ZH_00, 5525),  # 重新排列成过去完成时 (rearrange into the past perfect): only 。 added
    (ZH_01, 5065),  # proper capitalization of a Chinese sentence: nothing changed
    ("self_instruct/predictions/davinci-self-instruct_predictions.jsonl", 190),  # alliterations: a space only
    ("hh_rlhf/harmless_base_test.jsonl", 1118),  # the question repeated
]


@pytest.mark.parametrize(("source", "line"), KEPT)
def test_the_input_done_as_asked_is_kept(source: str, line: int) -> None:
    assert fails("response_echoes_prompt", real_row(source, line), field=None) == [False]


@pytest.mark.parametrize(("source", "line"), FLAGGED)
def test_an_echo_still_fails(source: str, line: int) -> None:
    assert fails("response_echoes_prompt", real_row(source, line), field=None) == [True]


def test_the_exemptions_inline() -> None:
    rows = [
        sft_row("Correct the grammar.", "She runs fast.", "She runs fast"),  # ASKED_TO_CORRECT
        sft_row("Rewrite it more formally.", "She runs fast.", "She runs fast"),
        sft_row("把这句话改写得更正式。", "我明天不来了", "我明天不来了。"),  # 更正式 is not 更正
        sft_row("Sort these numbers.", "1, 2, 3", "1, 2, 3"),  # ASKED_TO_ORDER
        sft_row("Improve it in order to be clear.", "1, 2, 3", "1, 2, 3"),  # "in order to" orders nothing
        sft_row("Convert to uppercase.", "HELLO WORLD", "hello world"),  # CHANGED_AS_ASKED: case
        sft_row("Convert to uppercase.", "hello world", "hello world"),
        sft_row("Split it into two lines.", "Hi.\nBye.", "Hi. Bye."),  # CHANGED_AS_ASKED: layout
        sft_row("Translate into French.", "Hi.\nBye.", "Hi. Bye."),
        sft_row("Correct the grammar of this sentence please", "Correct the grammar of this sentence please"),
    ]
    expected = [False, True, True, False, True, False, True, False, True, True]
    assert fails("response_echoes_prompt", frame_from_rows(rows), field=None) == expected
