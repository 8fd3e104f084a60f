"""The profile is never silent and detects languages by the run's rule (issue 20).

`winnow profile` showed one spinner for a minute of language detection on 20k rows; it now draws a bar per
step, as `winnow curate` does. And it said 1,294 en where the run report said 168 en + 1,126 und for the
same instructions: the profile ran the detector at its own min_words 1, the run's language stage at 3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reports_runfolder import ints, sft

from winnow.curation.cli.main import main
from winnow.curation.record import frame_from_rows
from winnow.reports.profile import SECTIONS, Corpus, build_profile_page

# A two-word English instruction: "en" to the bare detector, "und" to a run at min_words 3.
ROWS = [
    sft("a", "Summarize this.", "The text says that cats sleep a lot.", line=1),
    sft(
        "b", "Describe the water cycle in three sentences.", "Water evaporates, condenses and falls.", line=2
    ),
]


def _profile(rules: Path | None = None) -> tuple[dict[str, int], str, list[tuple[str, int, int]]]:
    calls: list[tuple[str, int, int]] = []
    corpus = Corpus(records=frame_from_rows(ROWS), rows_read=2, inputs=["demo.jsonl"])
    page, _ = build_profile_page(
        corpus, rules=rules, progress=lambda what, done, total: calls.append((what, done, total))
    )
    html = page.render()
    return ints(html), html, calls


def test_profile_reports_each_section_and_the_language_detector() -> None:
    _, _, calls = _profile()
    assert SECTIONS == 6
    assert [c for c in calls if c[0] == "profile sections"] == [("profile sections", n, 6) for n in range(7)]
    # only the texts the script pass cannot settle go to the n-gram detector: none of the instructions
    assert [c for c in calls if c[0].startswith("detecting")] == [
        ("detecting languages: instruction", 0, 0),
        ("detecting languages: response", 1, 1),
    ]


def test_profile_detects_languages_with_the_run_languages_min_words() -> None:
    cells, html, _ = _profile()
    # default.yaml's language section (min_words 3), as `winnow curate --rules default.yaml` detects them
    assert cells["profile.lang.instruction.und"] == 1
    assert cells["profile.lang.instruction.en"] == 1
    assert 'fewer than 3 word(s) or 5 letters is "und" (undetermined)' in html


def test_profile_follows_the_rule_files_own_language_settings(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("language:\n  min_words: 1\n", encoding="utf-8")
    cells, html, _ = _profile(rules)
    assert cells["profile.lang.instruction.en"] == 2
    assert "profile.lang.instruction.und" not in cells
    assert f"with the language settings of {rules}" in html


def test_profile_command_prints_a_bar_per_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "demo.json"
    source.write_text(
        json.dumps(
            [{"instruction": "Describe the water cycle briefly.", "input": "", "output": "It rains a lot."}]
        ),
        encoding="utf-8",
    )
    assert main(["profile", str(source), "-o", str(tmp_path / "profile.html")]) == 0
    err = capsys.readouterr().err
    assert "reading inputs" in err
    assert "profile sections" in err
    assert "6/6" in err
    assert "detecting languages: response" in err
