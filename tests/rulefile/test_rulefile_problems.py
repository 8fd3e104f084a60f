"""Invalid rule files: every problem reported at once, each with its place and a "did you mean"."""

from __future__ import annotations

from pathlib import Path

import pytest

from winnow.curation.errors import ConfigError
from winnow.curation.rulefile.load import load_rule_file, parse_rules


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rule_file(path)
    assert caught.value.exit_code == 2
    return caught.value.problems


def test_every_problem_at_once_with_places(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        """
mapers: []
mappers:
  - strp
  - mapper: collapse_punctuation
    params: {max_repeat: 0}
checks:
  - check: max_special_char_ratoi
  - check: max_digit_ratio
    field: respnse
  - check: max_url_ratio
    params: {max_ratio: 1.5, min_chars: "x", max_ration: 1}
  - check: min_length
    params: {}
    colour: red
  - check: min_length
  - check: blocklist
    params: {patterns: ["(unclosed"]}
""",
    )
    # the list of known sections grows as stages are added; the suggestion does not
    assert problems[0].startswith(
        "mapers: unknown section 'mapers' (did you mean \"mappers\"?); known: checks,"
    )
    assert problems[1] == (
        "mappers[0].mapper: unknown mapper 'strp' (did you mean \"strip\"?); "
        "known: collapse_punctuation, nfkc, normalize_newlines, normalize_whitespace, remove_control_chars, strip"
    )
    rest = problems[2:]
    assert rest[0] == "mappers[1].params.max_repeat: must be >= 1, got 0"
    assert rest[1].startswith(
        "checks[0].check: unknown check 'max_special_char_ratoi' (did you mean \"max_special_char_ratio\"?)"
    )
    assert rest[2].startswith("checks[1].field: unknown field 'respnse' (did you mean \"response\"?)")
    assert rest[3] == "checks[2].params.max_ratio: must be <= 1, got 1.5"
    assert rest[4] == "checks[2].params.min_chars: must be int, got 'x'"
    assert rest[5] == (
        "checks[2].params.max_ration: unknown parameter 'max_ration' (did you mean \"max_ratio\"?); known: max_ratio, min_chars"
    )
    assert rest[6].startswith("checks[3].colour: unknown key 'colour'")
    assert rest[7] == (
        "checks[4].name: duplicate rule name 'min_length' (also checks[3]); give one a different `name:`"
    )
    assert rest[8].startswith("checks[5].params: check cannot be built with these params: ComputeError")
    assert "unclosed group" in rest[8]
    assert len(rest) == 9


def test_missing_required_parameter_and_wrong_list_type() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_rules({"checks": [{"check": "blocklist", "params": {"keywords": "spam"}}]})
    assert caught.value.problems == ["checks[0].params.keywords: must be a list of str or null, got 'spam'"]


def test_row_checks_take_no_field_and_sections_must_have_the_right_shape() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_rules({"checks": {"check": "min_length"}, "mappers": "strip"})
    assert caught.value.problems == [
        "checks: must be a list of rules, got dict",
        "mappers: must be a list of mappers, got str",
    ]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "checks:\n  - check: min_length\n   field: [response\n")
    assert len(problems) == 1
    assert problems[0].startswith("line 3, column 4: not valid YAML")


def test_extends_reports_places_in_the_file_that_wrote_them(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        """
extends: default
checks:
  - name: max_char_run
    params: {max_run: 1}
  - check: nope
""",
    )
    assert problems[0] == "checks[0] (over default.yaml: checks[6]).params.max_run: must be >= 3, got 1"
    assert problems[1].startswith("checks[1].check: unknown check 'nope'")


def test_extends_unknown_parent_and_self(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "extends: nowhere\n") == [
        "extends: no shipped rule file or file next to rules.yaml named 'nowhere'"
    ]
    assert problems_of(tmp_path, "extends: rules.yaml\n") == ["extends: a rule file cannot extend itself"]


def test_extends_can_remove_and_add_rules(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "extends: default\nchecks:\n  - name: mojibake\n    enabled: false\n"
        "  - check: min_words\n    field: response\n    params: {min_words: 2}\n",
        encoding="utf-8",
    )
    names = [r.name for r in load_rule_file(path).sections["checks"].rules]
    assert "mojibake" not in names
    assert names[-1] == "min_words"


def test_missing_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_rule_file("/nonexistent/rules.yaml")
    assert caught.value.problems == ["rule file not found"]
