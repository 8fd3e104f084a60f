"""placeholder_text counts only the markers the prompt did not bring or ask for: lorem ipsum or XXX given in
the prompt, lorem ipsum as a code example's filler, a template's slots and a draft's particulars are not
counted; unrendered {{name}}, a content slot and an "N/A"-only reply are. Real rows by file and line
(bench/labels/placeholder_text.jsonl), then the patterns inline."""

from __future__ import annotations

import pytest

from tests.sanity.real_rows import metric, real_row
from winnow.curation.record import frame_from_rows

KEPT = [
    (
        "alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json",
        5845,
    ),  # QUOTED_MARKERS: lorem in the prompt
    ("alpaca_chinese_carbonz0/zh-data-part-01.json", 2452),  # QUOTED_MARKERS: 嗨，XXX in the input
    ("llama_factory_demo/glaive_toolcall_zh_demo.json", 22),  # FILLER_IN_CODE: a LaTeX example's lorem ipsum
    ("llama_factory_demo/alpaca_en_demo.json", 360),  # ASKED_FOR_TEMPLATE: [insert date] …
    ("llama_factory_demo/alpaca_zh_demo.json", 582),  # DRAFT_PARTICULARS: 写求职信 with XXX大学
]
FLAGGED = [
    ("llama_factory_demo/identity.json", 0),  # {{name}}, {{author}}
    ("self_instruct/predictions/davinci-t0-ft_predictions.jsonl", 42),  # "None" although templates were asked
    ("alpaca_chinese_carbonz0/zh-data-part-00.json", 1933),  # a letter whose issue is [insert issue]
]


@pytest.mark.parametrize(("source", "line"), KEPT)
def test_markers_the_prompt_brought_or_asked_for_are_not_counted(source: str, line: int) -> None:
    assert metric("placeholder_text", real_row(source, line)) == [0.0]


@pytest.mark.parametrize(("source", "line"), FLAGGED)
def test_markers_of_the_reply_itself_are_counted(source: str, line: int) -> None:
    assert metric("placeholder_text", real_row(source, line))[0] >= 1.0


def test_the_exemptions_inline() -> None:
    def sft(instruction: str, reply: str, input_text: str | None = None) -> dict[str, object]:
        messages = [{"role": "user", "content": instruction}, {"role": "assistant", "content": reply}]
        return {"id": instruction[:12], "kind": "sft", "messages": messages, "input": input_text}

    rows = [
        sft("Count the words.", "There are 5 words in 'Lorem ipsum'.", "Lorem ipsum dolor"),  # quoted: 0
        sft("Show an HTML page.", "```html\n<p>Lorem ipsum dolor sit amet</p>\n```"),  # code filler: 0
        sft("Show an HTML page.", "Lorem ipsum dolor sit amet."),  # filler as the answer: 2
        sft(
            "写一封求职信。", "我毕业于XXX大学。\n[insert issue]"
        ),  # XXX is a particular, the issue is not: 1
        sft("Give me a template for notes.", "N/A"),  # a template asked, "N/A" is no template: 1
        sft("Who are you?", "I am {{name}}."),  # 1
    ]
    assert metric("placeholder_text", frame_from_rows(rows)) == [0.0, 0.0, 2.0, 1.0, 1.0, 1.0]


def test_only_the_reply_is_excused_by_its_prompt() -> None:
    """Judging the instruction, all_text (which holds the prompt) or a message alone, every marker counts."""
    from tests.sanity.real_rows import fails
    from winnow.curation.record import frame_from_rows

    messages = [{"role": "user", "content": "Fill in: TODO"}, {"role": "assistant", "content": "TODO"}]
    frame = frame_from_rows([{"id": "a", "kind": "sft", "messages": messages}])
    assert fails("placeholder_text", frame, field="response") == [False]  # the prompt's own marker, quoted
    assert fails("placeholder_text", frame, field="instruction") == [True]
    assert fails("placeholder_text", frame, field="all_text") == [True]
    assert fails("placeholder_text", frame, field="messages") == [True]
