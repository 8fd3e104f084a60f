"""Derived columns (`__field.<name>|prose`, `…|counts`) give exactly the metrics of the plain expressions.

The checks stage reads fields from materialized columns and shares derived columns between rules; the
same check built on a plain field expression computes everything inline. Both must agree, value for value,
on real zh/en data.
"""

from __future__ import annotations

import polars as pl
from conftest import shared_path

from winnow.curation.cache import MetricCache
from winnow.curation.checks.engine import all_text_column, build_rule
from winnow.curation.checks.stage import run_checks
from winnow.curation.checks.textexpr import count_of, derivation, derived_columns, prose
from winnow.curation.kernels.char_counts import char_counts
from winnow.curation.rulefile.load import parse_rules

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
    # the prose's counts are the reply's own counts but on fenced replies (derivation shortcut)
    assert [sorted(level) for level in levels] == [
        ["__field.response|counts"],
        ["__field.response|prose|counts"],
    ]
    (level,) = derived_columns([count_of(pl.col("__field.all_text"), "chars")])
    assert list(level) == ["__field.all_text|counts"]
    assert str(level["__field.all_text|counts"]) == str(derivation("__field.all_text|counts"))
    # all_text's counts come from the row's own columns, not from the joined text
    assert "__field.all_text" not in derivation("__field.all_text|counts").meta.root_names()


FENCED = [
    "plain reply",
    "before ```python\nx = 1\n``` after",
    "```\nrunning to the end",
    "``` ``` ```",
    "",
    None,
    "`inline` only",
]


def test_prose_counts_shortcut_equals_counting_the_prose() -> None:
    frame = pl.DataFrame({"__field.response": FENCED})
    shortcut = derivation("__field.response|prose|counts")
    direct = char_counts(prose(pl.col("response")))
    got = frame.with_columns(char_counts(pl.col("__field.response")).alias("__field.response|counts")).select(
        shortcut.alias("x")
    )
    expected = frame.rename({"__field.response": "response"}).select(direct.alias("x"))
    assert got.equals(expected)
    assert got["x"].struct.field("chars").to_list() == [11, 13, 0, 1, 0, None, 13]


def conversation(*contents: str | None) -> list[dict[str, str | None]]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": c} for i, c in enumerate(contents)]


def test_all_text_counts_shortcut_equals_counting_the_joined_text() -> None:
    rows = [
        {"messages": conversation("hi", "hello there"), "system": "be kind", "input": "x"},
        {"messages": conversation("", "reply"), "system": "", "input": None},  # empty pieces are left out
        {"messages": conversation(None, "Ã"), "input": "© ok"},  # no marker across the "\n"
        {"messages": conversation("a", "â€"), "chosen": "™ and then"},  # "â€\n™" is no marker either
        {"messages": [], "text": "pretrain text 啊啊"},
        {"messages": None, "system": "no conversation: null"},
        {"messages": conversation("", ""), "input": ""},  # nothing at all: ""
        {"messages": conversation("Ã©", "锟斤拷 \ufffd"), "rejected": "\U0001f600\U0001f600"},
    ]
    schema = {
        "messages": pl.List(pl.Struct({"role": pl.String, "content": pl.String})),
        **{name: pl.String for name in ("system", "input", "chosen", "rejected", "text")},
    }
    frame = pl.DataFrame(rows, schema=schema)
    got = frame.select(derivation("__field.all_text|counts").alias("x"))
    expected = frame.select(char_counts(all_text_column()).alias("x"))
    assert got.equals(expected)
    assert got["x"].struct.field("chars").to_list() == [24, 5, 6, 15, 16, None, 0, 11]
    assert got["x"].struct.field("mojibake").to_list() == [0, 0, 0, 0, 0, None, 0, 3]


def test_stage_metrics_equal_plain_expressions_on_real_data() -> None:
    from winnow.curation.io.read import read_corpus

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
