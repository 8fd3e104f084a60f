"""Derived columns (`__field.<name>|prose`, `…|counts`) give exactly the metrics of the plain expressions.

The checks stage reads fields from materialized columns and shares derived columns between rules; the
same check built on a plain field expression computes everything inline. Both must agree, value for value,
on real zh/en data.
"""

from __future__ import annotations

import polars as pl
from conftest import shared_path

from curate.cache import MetricCache
from curate.checks.engine import build_rule
from curate.checks.stage import run_checks
from curate.checks.textexpr import count_of, derived_columns, prose
from curate.rulefile.load import parse_rules

RULES = [
    {"check": "max_special_char_ratio", "field": "response", "params": {"max_ratio": 0.3, "min_chars": 20}},
    {"check": "min_alnum_ratio", "field": "response", "params": {"min_ratio": 0.3, "min_chars": 20}},
    {"check": "max_digit_ratio", "field": "response", "params": {"max_ratio": 0.6, "min_chars": 40}},
    {"check": "max_html_ratio", "field": "response", "params": {"max_ratio": 0.5, "min_chars": 20}},
    {"check": "max_symbol_ratio", "field": "all_text", "params": {"max_ratio": 0.1, "min_chars": 20}},
    {"check": "max_symbol_ratio", "name": "symbols_per_message", "field": "messages", "params": {}},
]


def test_derived_references_only_for_materialized_fields() -> None:
    assert prose(pl.col("__field.response")).meta.root_names() == ["__field.response|prose"]
    assert count_of(prose(pl.col("__field.response")), "nonspace").meta.root_names() == [
        "__field.response|prose|counts"
    ]
    assert prose(pl.col("text")).meta.root_names() == ["text"]  # any other column: a plain expression
    levels = derived_columns([count_of(prose(pl.col("__field.response")), "nonspace")])
    assert [sorted(level) for level in levels] == [
        ["__field.response|prose"],
        ["__field.response|prose|counts"],
    ]


def test_stage_metrics_equal_plain_expressions_on_real_data() -> None:
    from curate.io.read import read_corpus

    frame = read_corpus(
        [
            shared_path("llama_factory_demo", "alpaca_zh_demo.json"),
            shared_path("llama_factory_demo", "alpaca_en_demo.json"),
            shared_path("codealpaca", "code_alpaca_2k.json"),
        ]
    ).records
    config = parse_rules({"checks": RULES}).sections["checks"]
    out, _ = run_checks(frame, config, MetricCache(None))
    plain = frame.select(
        [build_rule(rule, materialized=False).metric.alias(rule.name) for rule in config.rules]  # type: ignore[union-attr]
    )
    for rule in config.rules:
        assert out[f"metric.{rule.name}"].to_list() == plain[rule.name].to_list(), rule.name
    assert out["metric.max_special_char_ratio"].drop_nulls().len() > 1000  # real values were compared
