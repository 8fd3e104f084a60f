"""Rule-file YAML edited in place: one scalar replaced or one key inserted, everything else byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from winnow.curation.errors import UsageError
from winnow.curation.rulefile.load import load_rule_file
from winnow.reports.review.rule_edit import RuleChange, edit_rule_text, format_number, retarget_extends

BLOCK = """\
checks:
  # a comment before the entry
  - check: max_char_run
    params:
      max_run: 12   # why twelve
    action: 'flag'
  - check: mojibake
    field: all_text
  # trailing comment
"""


def test_block_params_and_quoted_action() -> None:
    out = edit_rule_text(BLOCK, [RuleChange("max_char_run", {"max_run": 20}, action="drop")])
    assert out == BLOCK.replace("max_run: 12", "max_run: 20").replace("'flag'", "drop")


def test_missing_params_and_action_are_inserted_after_the_entry() -> None:
    out = edit_rule_text(BLOCK, [RuleChange("mojibake", {"max_count": 2}, action="flag")])
    assert out == BLOCK.replace(
        "    field: all_text\n", "    field: all_text\n    params: {max_count: 2}\n    action: flag\n"
    )


def test_a_missing_parameter_joins_a_flow_or_block_mapping() -> None:
    flow = "checks:\n  - check: max_digit_ratio\n    params: {min_chars: 40}  # note\n"
    assert edit_rule_text(flow, [RuleChange("max_digit_ratio", {"max_ratio": 0.7})]) == (
        "checks:\n  - check: max_digit_ratio\n    params: {min_chars: 40, max_ratio: 0.7}  # note\n"
    )
    block = "checks:\n  - check: max_digit_ratio\n    params:\n      min_chars: 40\n"
    assert edit_rule_text(block, [RuleChange("max_digit_ratio", {"max_ratio": 0.7})]) == (
        "checks:\n  - check: max_digit_ratio\n    params:\n      min_chars: 40\n      max_ratio: 0.7\n"
    )


def test_an_inherited_rule_gets_an_entry_by_name() -> None:
    child = "extends: default\n\nchecks:\n  - name: max_char_run\n    params: {max_run: 6}\n\nlanguage: {}\n"
    out = edit_rule_text(child, [RuleChange("mojibake", {"max_count": 1}, action="drop")])
    assert out == child.replace(
        "    params: {max_run: 6}\n",
        "    params: {max_run: 6}\n  - name: mojibake\n    params: {max_count: 1}\n    action: drop\n",
    )
    bare = "extends: default\n"
    assert edit_rule_text(bare, [RuleChange("mojibake", action="drop")]) == (
        "extends: default\nchecks:\n  - name: mojibake\n    action: drop\n"
    )
    with pytest.raises(UsageError, match="not a block list"):
        edit_rule_text("extends: default\nchecks: []\n", [RuleChange("mojibake", action="drop")])


def test_the_edited_shipped_file_loads_with_the_new_values(tmp_path: Path) -> None:
    from winnow.rules import shipped_rule_file

    text = shipped_rule_file("zh").read_text(encoding="utf-8")
    changes = [
        RuleChange("max_char_run", {"max_run": 9}, "drop"),
        RuleChange("mojibake", {"max_count": 3}, "drop"),
    ]
    copy = tmp_path / "zh.reviewed.yaml"
    copy.write_text(edit_rule_text(text, changes), encoding="utf-8")
    rules = {rule.name: rule for rule in load_rule_file(copy).sections["checks"].rules}
    assert (rules["max_char_run"].params["max_run"], rules["max_char_run"].action) == (9, "drop")
    assert (rules["mojibake"].params["max_count"], rules["mojibake"].action) == (3, "drop")
    assert copy.read_text(encoding="utf-8").count("#") == text.count("#")  # no comment lost


@pytest.mark.parametrize(
    ("value", "shown"),
    [(7, "7"), (0.30000000000000004, "0.3"), (1e-05, "0.00001"), (30000.0, "30000.0"), (0.125, "0.125")],
)
def test_numbers_read_back_as_numbers(value: float, shown: str) -> None:
    assert format_number(value) == shown
    assert yaml.safe_load(shown) == value or abs(yaml.safe_load(shown) - value) < 1e-12


def test_a_relative_extends_is_made_absolute_for_a_copy(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("checks: []\n", encoding="utf-8")
    child = tmp_path / "child.yaml"
    text = "extends: base.yaml  # mine\n"
    assert retarget_extends(text, child) == f"extends: {(tmp_path / 'base.yaml').resolve()}  # mine\n"
    assert retarget_extends("extends: default\n", child) == "extends: default\n"
