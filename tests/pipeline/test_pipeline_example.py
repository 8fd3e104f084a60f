"""Tests for winnow.curation.example: the shipped corpus is what the generator writes, and it plants every problem."""

from __future__ import annotations

import json
import random
from pathlib import Path

from winnow.curation.example import example_dir
from winnow.curation.example.generate import SEED, build_pairs, write_example
from winnow.curation.example.problems import PROBLEMS


def test_shipped_example_equals_a_fresh_generation(tmp_path: Path) -> None:
    counts = write_example(tmp_path)
    shipped = example_dir() / "data"
    for name in counts:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name
    assert counts == {
        "alpaca_en.json": 843,
        "alpaca_zh.jsonl": 870,
        "sharegpt_chat.json": 275,
        "openai_messages.jsonl": 352,
        "dolly_en.jsonl": 87,
        "preference_pairs.json": 60,
    }


def test_clean_pairs_are_unique_and_problems_all_planted() -> None:
    clean, damaged = build_pairs(random.Random(SEED))
    assert len({(p.instruction, p.input) for p in clean}) == len(clean) == 2334
    assert len(damaged) == 12 * len(PROBLEMS) + 80 + 80
    assert {p.lang for p in clean} == {"en", "zh"}


def test_quarantinable_lines_are_planted() -> None:
    lines = (example_dir() / "data" / "alpaca_zh.jsonl").read_text(encoding="utf-8").splitlines()
    bad = []
    for number, line in enumerate(lines, 1):
        try:
            json.loads(line)
        except json.JSONDecodeError:
            bad.append(number)
    assert bad == [18, 19]
