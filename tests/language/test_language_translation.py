"""Translation requests (and "answer in language X") in Chinese and English exempt a row from the mismatch."""

from __future__ import annotations

import polars as pl

from winnow.curation.language.translation import translation_request


def test_translation_requests_zh_en() -> None:
    instructions = [
        "Translate the following sentence into French.",
        "What is the Spanish word for apple?",
        "Answer in English: 什么是机器学习？",
        "把这句话翻译成英文。",
        "请将下文译成中文",
        "用英文写一首关于春天的诗",
        "“谢谢”用日语怎么说？",
        "Explain how photosynthesis works.",
        "解释一下光合作用。",
        "Write an English essay outline.",  # names a language but asks for nothing in another one
    ]
    frame = pl.DataFrame({"instruction": instructions, "task": [None] * len(instructions)})
    got = frame.select(translation_request(pl.col("instruction"), pl.col("task"))).to_series().to_list()
    assert got == [True, True, True, True, True, True, True, False, False, False]


def test_task_column_marks_translation() -> None:
    frame = pl.DataFrame({"instruction": ["春天来了。", "春天来了。"], "task": ["Translation", "open_qa"]})
    got = frame.select(translation_request(pl.col("instruction"), pl.col("task"))).to_series().to_list()
    assert got == [True, False]
