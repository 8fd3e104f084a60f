"""The repetition checks judge a reply with its prompt: a song's chorus, an asked-for table, code, a list in a
pattern and worked math are kept when their repetition is moderate; loops fail whatever was asked (a song
title repeated 204 times, a numbered list counting up one item). Real rows by file and line, run with the
rules of rules/default.yaml (bench/labels/<rule>.jsonl), then the patterns inline."""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl
import pytest

from tests.sanity.real_rows import real_row, sft_row
from winnow.curation.checks.engine import build_rule
from winnow.curation.checks.repetition import (
    ASKED_FOR_STRUCTURE,
    ASKED_FOR_VERSE,
    WORKED_STEP,
    moderate_repetition,
)
from winnow.curation.checks.section import RuleConfig
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import load_rule_file

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules" / "default.yaml"
LINE, PARAGRAPH, TOP_2GRAM, DUP_10GRAM = (
    "max_dup_line_fraction",
    "max_dup_paragraph_fraction",
    "top_2gram_share",
    "dup_10gram_share",
)


@functools.cache
def default_rule(name: str) -> RuleConfig:
    return next(r for r in load_rule_file(DEFAULT_RULES).sections["checks"].rules if r.name == name)


def fails(rule: str, frame: pl.DataFrame, field: str = "response") -> list[bool]:
    """The rule of rules/default.yaml named `rule` over `frame` (null = pass)."""
    config = default_rule(rule)
    built = build_rule(RuleConfig(name=config.name, check=config.check, field=field, params=config.params))
    return frame.select(built.fails.fill_null(False)).to_series().to_list()


KEPT = [
    (PARAGRAPH, "alpaca_chinese_carbonz0/zh-data-part-00.json", 974),  # ASKED_FOR_VERSE: 用C大调创作一首歌曲
    (PARAGRAPH, "alpaca_chinese_carbonz0/zh-data-part-01.json", 674),  # a song about self-love, chorus x3
    (DUP_10GRAM, "alpaca_chinese_carbonz0/zh-data-part-01.json", 674),
    (DUP_10GRAM, "alpaca_chinese_carbonz0/zh-data-part-01.json", 7392),  # 创作一首关于活在当下的歌曲
    (LINE, "alpaca_chinese_carbonz0/zh-data-part-00.json", 7937),  # ASKED_FOR_STRUCTURE: 构建一个表格
    (LINE, "codealpaca/code_alpaca_2k.json", 656),  # a C++ program: braces and else on their own lines
    (TOP_2GRAM, "codealpaca/code_alpaca_2k.json", 1682),  # an HTML table of 3 rows and 3 columns
    (
        TOP_2GRAM,
        "self_instruct/predictions/text-davinci-003_predictions.jsonl",
        112,
    ),  # ten circuit-based ideas
    (TOP_2GRAM, "alpaca_data_cleaned/gsm_8k_train.json", 5676),  # WORKED_MATH: "tiles/minute" in every step
    (DUP_10GRAM, "alpaca_data_cleaned/gsm_8k_train.json", 7263),  # WORKED_MATH: cats and kittens, same steps
]
FLAGGED = [
    # a song was asked for: its title repeated 204 times
    *(
        (rule, "self_instruct/predictions/davinci_predictions.jsonl", 183)
        for rule in (LINE, PARAGRAPH, DUP_10GRAM)
    ),
    (TOP_2GRAM, "self_instruct/predictions/davinci_predictions.jsonl", 183),
    # poems were asked for: "Input: santa claus / Output:" 92 times
    *(
        (rule, "self_instruct/predictions/davinci_predictions.jsonl", 153)
        for rule in (LINE, PARAGRAPH, DUP_10GRAM)
    ),
    # a list was asked for: numbered items counting up with one text (numbers masked, a loop)
    (
        TOP_2GRAM,
        "self_instruct/predictions/davinci-superni-ft_predictions.jsonl",
        122,
    ),  # "Check the expiration dates"
    (
        TOP_2GRAM,
        "self_instruct/predictions/davinci_predictions.jsonl",
        48,
    ),  # "The Skeptics' Guide to the Universe"
    # code was asked for: ~100 lines of bare ``` fences (no tokens, but two lines in three repeat)
    (LINE, "llama_factory_demo/kto_en_demo.json", 58),
    # nothing of the kind was asked for
    (LINE, "self_instruct/predictions/davinci_predictions.jsonl", 10),  # "The man walked into the room." x128
]


@pytest.mark.parametrize(("rule", "source", "line"), KEPT)
def test_repetition_that_was_asked_for_is_kept(rule: str, source: str, line: int) -> None:
    assert fails(rule, real_row(source, line)) == [False]


@pytest.mark.parametrize(("rule", "source", "line"), FLAGGED)
def test_a_loop_fails_whatever_was_asked(rule: str, source: str, line: int) -> None:
    assert fails(rule, real_row(source, line)) == [True]


# ---- inline -----------------------------------------------------------------------------------------------

VERSES = [
    "Verse 1:\nRain on the window, grey on the street\nI hum a tune to the sound of my feet",
    "Verse 2:\nClouds in the morning, puddles by noon\nThe sun will be back, it will be back soon",
    "Verse 3:\nUmbrellas are blooming all over the square\nThere is a song in the wet of the air",
]
CHORUS = "Chorus:\nOh rain, oh rain, fall down on me\nWash all the dust from the old city tree"
SONG = "\n\n".join(part for verse in VERSES for part in (verse, CHORUS))


def test_a_chorus_is_kept_in_a_song_only() -> None:
    looping = "\n\n".join([VERSES[0], *[CHORUS] * 12])
    rows = [
        sft_row("Write a song about the rain.", SONG),  # ASKED_FOR_VERSE, chorus 3 of 6 paragraphs
        sft_row("写一首关于雨的歌。", SONG),
        sft_row("Summarize the article about the rain.", SONG),  # nothing of the kind asked for
        sft_row("Write a song about the rain.", looping),  # one chorus 12 times: not moderate
    ]
    assert fails(PARAGRAPH, frame_from_rows(rows)) == [False, False, True, True]


def test_a_numbered_loop_fails_a_list_prompt_and_worked_math_is_kept() -> None:
    loop = "\n".join(f"{i}. Check the expiration dates of the medicine" for i in range(1, 41))
    math = "\n".join(
        [
            "Rob hunts 1/2 * 6 animals/day = 3 animals/day.",
            "Rob and Sam hunt 3 animals/day + 6 animals/day = 9 animals/day.",
            "Mark hunts 1/3 * 9 animals/day = 3 animals/day.",
            "Peter hunts 3 * 3 animals/day = 9 animals/day.",
            "They all hunt 6 animals/day + 3 animals/day + 3 animals/day + 9 animals/day = 21 animals/day.",
        ]
    )
    rows = [
        sft_row("Write a to-do list for the daily tasks in the pharmacy.", loop),
        sft_row(
            "How many animals do they all hunt in a day?", math
        ),  # WORKED_MATH: no list, song or code asked
        sft_row(
            "How many animals do they all hunt in a day?", math.replace(" = ", " makes ")
        ),  # no step worked
    ]
    assert fails(TOP_2GRAM, frame_from_rows(rows)) == [True, False, True]


def test_a_message_judged_alone_has_no_prompt_to_exempt_it() -> None:
    """Under `field: messages` each message is judged alone: a chorus counts whatever was asked."""
    frame = frame_from_rows([sft_row("Write a song about the rain.", SONG)])
    assert fails(PARAGRAPH, frame) == [False]
    assert fails(PARAGRAPH, frame, field="messages") == [True]


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (ASKED_FOR_VERSE, "Compose a rap about algorithms", True),
        (ASKED_FOR_VERSE, "为一部电影生成一首主题曲", True),
        (ASKED_FOR_VERSE, "Summarize the passage", False),
        (ASKED_FOR_STRUCTURE, "Create an HTML table with 5 columns", True),
        (ASKED_FOR_STRUCTURE, "从网站中提取十名员工的联系信息", True),
        (ASKED_FOR_STRUCTURE, "Describe the responsibilities of a security officer", False),
        (WORKED_STEP, "So he buys 200 planks - 170 planks = 30 planks.", True),
        (WORKED_STEP, "The answer is = 30", False),
    ],
)
def test_the_named_patterns(pattern: str, text: str, found: bool) -> None:
    assert pl.select(pl.lit(text).str.contains(pattern)).item() is found


def test_moderate_repetition_masks_numbers_and_counts_repeated_lines() -> None:
    counting = "\n".join(f"{i}. Check the expiration dates of the medicine" for i in range(1, 41))
    fences = "\n".join(["Here is the code:", *["```"] * 30])
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n| 5 | 6 |"
    frame = pl.DataFrame({"reply": [counting, fences, table, SONG]})
    out = frame.select(moderate_repetition(pl.col("reply"))).to_series()
    assert out.to_list() == [False, False, True, True]
