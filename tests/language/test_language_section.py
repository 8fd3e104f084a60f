"""The `language` rule-file section: defaults, per-field rules, every problem with its place."""

from __future__ import annotations

import pytest

from winnow.curation.errors import ConfigError
from winnow.curation.language.section import FieldRule, LanguageConfig, parse_language
from winnow.curation.rulefile.load import parse_rules
from winnow.curation.rulefile.problems import Problems


def test_defaults_and_per_field_overrides() -> None:
    problems = Problems("t")
    config = parse_language(
        {
            "allowed": ["zh", "en"],
            "min_purity": 0.5,
            "fields": {"response": {"min_purity": 0.7}, "input": {"allowed": None}},
        },
        "language",
        problems,
    )
    assert not problems
    assert isinstance(config, LanguageConfig)
    assert config.rule_for("instruction") == FieldRule(allowed=("zh", "en"), min_purity=0.5)
    assert config.rule_for("response") == FieldRule(allowed=("zh", "en"), min_purity=0.7)
    assert config.rule_for("input") == FieldRule(allowed=None, min_purity=0.5)
    assert config.mismatch is True
    assert config.detected_fields() == ("instruction", "input", "response", "system", "messages")


def test_empty_section_means_defaults() -> None:
    config = parse_language(None, "language", Problems("t"))
    assert config == LanguageConfig()
    assert config is not None
    assert config.to_raw()["sample_chars"] == 400


def test_every_problem_is_reported_with_its_place() -> None:
    raw = {
        "language": {
            "allowed": ["zh", "english"],
            "min_purity": 1.5,
            "fields": {"respons": {"min_purity": 0.5}, "input": {"allow": ["en"]}},
            "mismatch": "yes",
            "min_leters": 3,
        }
    }
    with pytest.raises(ConfigError) as caught:
        parse_rules(raw, "rules.yaml")
    text = str(caught.value)
    assert "language.allowed[1]: unknown language 'english'" in text
    assert "language.min_purity: must be a number between 0 and 1, got 1.5" in text
    assert "language.fields.respons: unknown field 'respons' (did you mean \"response\"?)" in text
    assert "language.fields.input.allow: unknown key 'allow' (did you mean \"allowed\"?)" in text
    assert "language.mismatch: must be true or false, got 'yes'" in text
    assert "language.min_leters: unknown key 'min_leters' (did you mean \"min_letters\"?)" in text
