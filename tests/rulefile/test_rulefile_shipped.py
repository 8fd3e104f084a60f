"""Every rule file shipped in rules/ loads and validates."""

from __future__ import annotations

import pytest

from winnow.curation.checks.section import ChecksConfig
from winnow.curation.mappers.section import MappersConfig
from winnow.curation.rulefile.load import load_rule_file
from winnow.rules import shipped_rule_file, shipped_rule_names


def test_the_four_documented_rule_files_are_shipped() -> None:
    assert {"default", "zh", "en", "strict"} <= set(shipped_rule_names())


@pytest.mark.parametrize("name", shipped_rule_names())
def test_shipped_rule_file_loads(name: str) -> None:
    rules = load_rule_file(shipped_rule_file(name))
    checks = rules.sections["checks"]
    assert isinstance(checks, ChecksConfig)
    assert len(checks.rules) >= 10
    assert isinstance(rules.sections["mappers"], MappersConfig)
    assert rules.resolved_yaml().startswith("# resolved from")


def test_zh_extends_default_updating_inherited_rules_by_name() -> None:
    default = {r.name: r for r in load_rule_file(shipped_rule_file("default")).sections["checks"].rules}
    zh = {r.name: r for r in load_rule_file(shipped_rule_file("zh")).sections["checks"].rules}
    assert default["max_char_run"].params == {"max_run": 12}
    assert zh["max_char_run"].params == {"max_run": 6}
    # params are merged key by key: n and max_share come from default.yaml, min_tokens from zh.yaml
    assert zh["top_2gram_share"].params == {"n": 2, "max_share": 0.3, "min_tokens": 80, "min_chars": 300}
    assert list(zh)[: len(default)] == list(default)
    assert "mt_artifacts" in zh
    assert "mt_artifacts" not in default
