"""One rule entry: every problem of it reported at once, `enabled` a real boolean, `action` drop or flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from winnow.curation.cli.main import main
from winnow.curation.errors import ConfigError
from winnow.curation.rulefile.load import parse_rules


def problems(raw: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_rules(raw)
    return caught.value.problems


def test_enabled_as_a_string_is_an_error_not_a_rule_left_on() -> None:
    for value in ("false", "no", 0):
        found = problems({"checks": [{"check": "min_length", "enabled": value}]})
        assert found == [f"checks[0].enabled: must be true or false (unquoted), got {value!r}"]
    assert parse_rules({"checks": [{"check": "min_length", "enabled": False}]}).sections["checks"].rules == ()
    assert (
        len(parse_rules({"checks": [{"check": "min_length", "enabled": True}]}).sections["checks"].rules) == 1
    )


def test_every_problem_of_one_entry_is_reported_at_once() -> None:
    entry = {
        "check": "max_url_ratio",
        "colour": "red",
        "field": "respnse",
        "action": "dorp",
        "params": {"max_ratio": 1.5, "min_chars": "x"},
    }
    assert problems({"checks": [entry]}) == [
        "checks[0].colour: unknown key 'colour'; known: action, check, enabled, field, name, params",
        "checks[0].action: unknown action 'dorp' (did you mean \"drop\"?); known: drop, flag",
        "checks[0].field: unknown field 'respnse' (did you mean \"response\"?); "
        "known: all_text, input, instruction, messages, response, system",
        "checks[0].params.max_ratio: must be <= 1, got 1.5",
        "checks[0].params.min_chars: must be int, got 'x'",
    ]


def test_an_unknown_check_still_reports_the_entry_s_other_problems() -> None:
    entry = {"check": "min_lenght", "name": "bad name!", "field": "nowhere", "enabled": "yes"}
    found = problems({"checks": [entry]})
    assert found[0] == "checks[0].enabled: must be true or false (unquoted), got 'yes'"
    assert found[1].startswith("checks[0].check: unknown check 'min_lenght' (did you mean \"min_length\"?)")
    assert found[2].startswith("checks[0].name: must be letters, digits")
    assert found[3].startswith("checks[0].field: unknown field 'nowhere'")
    assert len(found) == 4


def test_action_values_have_a_did_you_mean_in_every_section() -> None:
    found = problems(
        {
            "checks": [{"check": "min_length", "action": "flagg"}, {"check": "mojibake", "action": True}],
            "language": {"action": {"language_mismatch": "flg", "language_missmatch": "flag"}},
            "dedup": {"action": "keep", "decontaminate": {"references": ["x.jsonl"], "action": "flags"}},
        }
    )
    assert found == [
        "checks[0].action: unknown action 'flagg' (did you mean \"flag\"?); known: drop, flag",
        "checks[1].action: must be one of drop, flag, got True",
        "language.action.language_mismatch: unknown action 'flg' (did you mean \"flag\"?); known: drop, flag",
        "language.action.language_missmatch: unknown language rule 'language_missmatch' "
        '(did you mean "language_mismatch"?); known: language_impure, language_mismatch, language_not_allowed',
        "dedup.action: unknown action 'keep'; known: drop, flag",
        "dedup.decontaminate.action: unknown action 'flags' (did you mean \"flag\"?); known: drop, flag",
    ]


def test_action_is_written_out_in_the_resolved_rules() -> None:
    rules = parse_rules({"checks": [{"check": "refusal_response", "action": "flag"}, {"check": "mojibake"}]})
    assert [r.action for r in rules.sections["checks"].rules] == ["flag", "drop"]
    assert [r["action"] for r in rules.resolved()["checks"]] == ["flag", "drop"]
    assert rules.sections["checks"].flagged() == frozenset({"refusal_response"})


def test_an_extending_file_can_turn_a_default_rule_into_a_flag(tmp_path: Path) -> None:
    from winnow.curation.rulefile.load import load_rule_file

    path = tmp_path / "mine.yaml"
    path.write_text(
        "extends: default\nchecks:\n  - name: refusal_response\n    action: flag\n", encoding="utf-8"
    )
    rules = {r.name: r for r in load_rule_file(path).sections["checks"].rules}
    assert rules["refusal_response"].action == "flag"
    assert rules["placeholder_text"].action == "drop"
    path.write_text('extends: default\nchecks:\n  - name: refusal_response\n    enabled: "false"\n')
    with pytest.raises(ConfigError) as caught:
        load_rule_file(path)
    (problem,) = caught.value.problems  # reported where the child file wrote it, over the default's entry
    assert problem.startswith("checks[0] (over default.yaml: checks[")
    assert problem.endswith("]).enabled: must be true or false (unquoted), got 'false'")


def test_rules_check_reports_a_bad_action_with_a_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("checks:\n  - check: refusal_response\n    action: flagged\n", encoding="utf-8")
    assert main(["rules", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "checks[0].action: unknown action 'flagged'" in err
    assert 'did you mean "flag"' in err
    path.write_text("checks:\n  - check: refusal_response\n    action: flag\n", encoding="utf-8")
    assert main(["rules", "check", str(path)]) == 0
