"""The shipped rule files carry a `language` section and the sanity checks, and they parse as documented."""

from __future__ import annotations

from winnow.curation.language.section import FieldRule, LanguageConfig
from winnow.curation.rulefile.load import load_rule_file
from winnow.rules import shipped_rule_file

SANITY_RULES = {
    "placeholder_response",
    "merged_instructions",
    "response_echoes_prompt",
    "input_unseen_content",
    "instruction_unseen_content",
    "refusal_response",
    "truncated_response",
    "response_too_short_for_task",
    "unfilled_template",
    "conversation_role_order",
    "conversation_last_turn",
    "conversation_empty_turn",
    "conversation_repeated_turn",
    "preference_identical_pair",
    "preference_empty_side",
    "kto_missing_label",
}


def _language(name: str) -> LanguageConfig:
    config = load_rule_file(shipped_rule_file(name)).sections["language"]
    assert isinstance(config, LanguageConfig)
    return config


def test_every_shipped_file_has_the_sanity_checks() -> None:
    for name in ("default", "zh", "en", "strict"):
        rules = {rule.name for rule in load_rule_file(shipped_rule_file(name)).sections["checks"].rules}
        assert rules >= SANITY_RULES, name


def test_language_sections() -> None:
    default = _language("default")
    assert default.rule_for("instruction") == FieldRule(allowed=("zh", "en"), min_purity=None)
    assert default.rule_for("response") == FieldRule(allowed=None, min_purity=0.5)
    assert default.mismatch is True
    assert _language("zh").rule_for("instruction").allowed == ("zh",)
    assert _language("zh").rule_for("response").min_purity == 0.5
    assert _language("en").rule_for("instruction").allowed == ("en",)
    assert _language("en").rule_for("response").min_purity == 0.8
    assert _language("strict").rule_for("response").min_purity == 0.6
