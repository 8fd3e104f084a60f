"""Every registered check (garbage, sanity, language, …) can be used from a rule file with its defaults."""

from __future__ import annotations

import inspect

import pytest

from curate.checks.registry import registered_checks
from curate.rulefile.load import parse_rules

DEFAULTS_ONLY = sorted(
    name
    for name, spec in registered_checks().items()
    if all(p.default is not inspect.Parameter.empty for p in spec.params.values())
)


def test_the_garbage_checks_of_the_issue_are_registered() -> None:
    expected = {
        "min_length", "max_length", "min_words", "max_words", "max_special_char_ratio", "min_alnum_ratio",
        "max_digit_ratio", "max_url_ratio", "max_html_ratio", "max_markdown_residue", "max_char_run",
        "max_dup_line_fraction", "max_dup_paragraph_fraction", "max_top_ngram_share", "max_dup_ngram_share",
        "mojibake", "max_symbol_ratio", "placeholder_text", "blocklist",
    }  # fmt: skip
    assert expected <= set(registered_checks())


@pytest.mark.parametrize("name", DEFAULTS_ONLY)
def test_check_builds_from_a_rule_file_with_its_defaults(name: str) -> None:
    rules = parse_rules({"checks": [{"check": name}]})
    (rule,) = rules.sections["checks"].rules
    assert rule.name == name
    assert set(rule.params) == set(registered_checks()[name].params)
    assert registered_checks()[name].doc  # one line of doc for `winnow rules list`
