"""Every registered check (garbage, sanity, language, …) can be used from a rule file with its defaults."""

from __future__ import annotations

import inspect

import pytest

from winnow.curation.checks.registry import registered_checks
from winnow.curation.rulefile.load import parse_rules

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


@pytest.mark.parametrize("name", DEFAULTS_ONLY)
def test_a_threshold_change_keeps_the_metric_cache_identity(name: str) -> None:
    """A metric computed by a kernel (no serialized form) is identified by its non-threshold params:
    each such check must mark its threshold parameter, or a threshold change recomputes it."""
    from winnow.curation.cache import metric_identity
    from winnow.curation.checks.engine import build_rule
    from winnow.curation.checks.stage import _metric_fallback, reads

    rule = parse_rules({"checks": [{"check": name}]}).sections["checks"].rules[0]
    built = build_rule(rule, materialized=True)
    if built.metric is None or built.threshold is None:
        return  # a yes/no check: nothing to compare
    threshold_params = [k for k, v in rule.params.items() if not isinstance(v, bool) and v == built.threshold]
    assert threshold_params, f"{name}: no parameter holds the threshold {built.threshold}"
    value = rule.params[threshold_params[0]]
    changed = dict(
        rule.params, **{threshold_params[0]: value + 1 if isinstance(value, int) else (value + 1) / 2}
    )
    rebuilt = build_rule(
        parse_rules({"checks": [{"check": name, "params": changed}]}).sections["checks"].rules[0],
        materialized=True,
    )

    def identity(b: object) -> str:
        assert b.metric is not None  # type: ignore[attr-defined]
        return metric_identity(b.metric, _metric_fallback(b), reads(b.metric))  # type: ignore[arg-type, attr-defined]

    assert identity(built) == identity(rebuilt)
