"""A tiny real run for the review tests: six Alpaca rows through `winnow curate`'s own run_curate.

    run_dir, inputs, rules = build_review_run(tmp_path)

Rows and rules are chosen so that every number the review page shows is known by hand:

    row  response                      longest run  digit share  fails (run)
    a    "xxxxxxxx is eight"           8            0            char_run (drop)
    b    "yyyyyy is six"               6            0            char_run (drop)
    c    "zzzz is four"                4            0            -
    d    "plain words only"            null (< 4)   0            -
    e    "1234567890 12345 ok"         null         15/17        digits (flag)
    f    "no"                          null         0            short (flag)

char_run: max_char_run, max_run 5, drop · digits: max_digit_ratio, max_ratio 0.5 (min_chars 10), flag ·
short: min_length, min_chars 3, flag. The metric of max_char_run is null below 4 (a run too short to
measure); max_digit_ratio counts digits over non-space characters.
"""

from __future__ import annotations

import json
from pathlib import Path

from winnow.curation.run_curate import run_curate

RESPONSES = {
    "a": "xxxxxxxx is eight",
    "b": "yyyyyy is six",
    "c": "zzzz is four",
    "d": "plain words only",
    "e": "1234567890 12345 ok",
    "f": "no",
}

RULES = """\
# the review tests' rule file: comments must survive a save
checks:
  - check: max_char_run
    name: char_run
    field: response
    params: {max_run: 5}      # runs longer than five
  - check: max_digit_ratio
    name: digits
    field: response
    params:
      max_ratio: 0.5          # half the characters
      min_chars: 10
    action: flag
  - check: min_length
    name: short
    field: response
    params: {min_chars: 3}
    action: flag
"""


def write_inputs(folder: Path) -> tuple[Path, Path]:
    """(corpus.json, rules.yaml) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.json"
    rows = [
        {"instruction": f"Question {key}?", "input": "", "output": text} for key, text in RESPONSES.items()
    ]
    corpus.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    rules = folder / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    return corpus, rules


def build_review_run(folder: Path) -> tuple[Path, Path, Path]:
    """(run folder, corpus, rule file): the corpus curated with the rule file into folder/run."""
    corpus, rules = write_inputs(folder)
    run_dir = folder / "run"
    run_curate([corpus], rules, run_dir, cache_dir=folder / "cache")
    return run_dir, corpus, rules


LANGUAGE_RULES_FILE = """\
checks:
  - check: min_length
    name: short
    field: response
    params: {min_chars: 3}
    action: flag
language:
  mismatch: true
  action: flag   # all three flag
"""
LANGUAGE_ROWS = [
    (
        "Please describe the weather in spring in a few sentences.",
        "春天的天气通常很温暖，阳光明媚，万物复苏，人们喜欢出去散步。",
    ),
    (
        "What is the capital of France and why is it famous?",
        "The capital of France is Paris, famous for its art and food.",
    ),
    (
        "Name three colours that you can see in a rainbow.",
        "Red, orange and yellow are three colours of the rainbow.",
    ),
]


def build_language_run(folder: Path) -> tuple[Path, Path, Path]:
    """(run folder, corpus, rule file): three English prompts, the first answered in Chinese
    (language_mismatch, flagged by the rule file's language section)."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.json"
    rows = [{"instruction": prompt, "input": "", "output": reply} for prompt, reply in LANGUAGE_ROWS]
    corpus.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    rules = folder / "rules.yaml"
    rules.write_text(LANGUAGE_RULES_FILE, encoding="utf-8")
    run_dir = folder / "run"
    run_curate([corpus], rules, run_dir, cache_dir=folder / "cache")
    return run_dir, corpus, rules
