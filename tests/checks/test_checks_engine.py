"""The checks stage: fields, `messages` aggregation, file-order drop reasons, spans and per-rule stats."""

from __future__ import annotations

from typing import Any

import polars as pl

from winnow.curation.cache import MetricCache
from winnow.curation.checks.stage import run_checks
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import parse_rules


def conversation(*turns: str, **extra: Any) -> dict[str, Any]:
    roles = ["user", "assistant"]
    messages = [{"role": roles[i % 2], "content": text} for i, text in enumerate(turns)]
    return {"kind": "sft", "messages": messages, **extra}


def run(rules: list[dict[str, Any]], rows: list[dict[str, Any]]) -> tuple[pl.DataFrame, dict[str, Any]]:
    config = parse_rules({"checks": rules}).sections["checks"]
    frame = frame_from_rows([{"id": str(i), **row} for i, row in enumerate(rows)])
    return run_checks(frame, config, MetricCache(None))


def test_messages_field_fails_when_any_message_fails_and_keeps_the_worst_metric() -> None:
    rows = [
        conversation("hi", "ok", "again", "好的"),
        conversation("hi", "", "again", "fine"),
        conversation("aaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
    ]
    out, _ = run(
        [
            {"check": "min_length", "name": "empty_turn", "field": "messages", "params": {"min_chars": 1}},
            {"check": "max_char_run", "name": "turn_runs", "field": "messages", "params": {"max_run": 20}},
        ],
        rows,
    )
    assert out["metric.empty_turn"].to_list() == [2.0, 0.0, 10.0]  # direction "min": the shortest message
    assert out["metric.turn_runs"].to_list() == [None, None, 31.0]  # direction "max": the longest run
    assert out["drop_reason"].to_list() == [None, "empty_turn", "turn_runs"]


def test_fields_address_the_parts_of_a_row() -> None:
    rows = [
        conversation("写一首诗", "床前明月光", system="你是诗人", input="关于月亮"),
        {
            "kind": "preference",
            "messages": [{"role": "user", "content": "q?"}],
            "chosen": "good",
            "rejected": "",
        },
    ]
    rules = [
        {"check": "max_length", "name": f"len_{field}", "field": field, "params": {"max_chars": 0}}
        for field in ("instruction", "input", "response", "system", "all_text")
    ]
    out, _ = run(rules, rows)
    lengths = {
        field: out[f"metric.len_{field}"].to_list()
        for field in ("instruction", "input", "response", "system", "all_text")
    }
    assert lengths == {
        "instruction": [4.0, 2.0],
        "input": [4.0, None],
        "response": [5.0, 4.0],  # a preference row's response is `chosen`
        "system": [4.0, None],
        "all_text": [
            4.0 + 1 + 4 + 1 + 5 + 1 + 4,
            2.0 + 1 + 4,
        ],  # system, messages, input, chosen joined by \n
    }


def test_drop_reason_is_the_first_failing_rule_in_file_order_and_every_failure_is_listed() -> None:
    rows = [conversation("TODO", ""), conversation("fine", "TODO"), conversation("fine", "fine")]
    rules = [
        {"check": "min_length", "name": "empty_response", "field": "response"},
        {"check": "placeholder_text", "field": "all_text"},
        {"check": "placeholder_text", "name": "placeholder_response", "field": "response"},
    ]
    out, stats = run(rules, rows)
    assert out["drop_reason"].to_list() == ["empty_response", "placeholder_text", None]
    assert out["failed_rules"].to_list() == [
        ["empty_response", "placeholder_text"],
        ["placeholder_text", "placeholder_response"],
        [],
    ]
    by_name = {entry["name"]: entry for entry in stats["rules"]}
    assert {n: (e["failed"], e["dropped_first"]) for n, e in by_name.items()} == {
        "empty_response": (1, 1),
        "placeholder_text": (2, 1),
        "placeholder_response": (1, 0),
    }
    assert by_name["empty_response"] == {
        "name": "empty_response",
        "check": "min_length",
        "stage": "checks",
        "field": "response",
        "params": {"min_chars": 1},
        "threshold": 1.0,
        "direction": "min",
        "metric_column": "metric.empty_response",
        "action": "drop",
        "failed": 1,
        "dropped_first": 1,
    }


def test_spans_are_recorded_for_failing_rules_only() -> None:
    rows = [conversation("q", "see http://spam.example.com now"), conversation("q", "clean")]
    rules = [{"check": "max_url_ratio", "field": "response", "params": {"max_ratio": 0.2, "min_chars": 1}}]
    out, _ = run(rules, rows)
    assert out["check_spans"].to_list() == [
        [{"rule": "max_url_ratio", "span": "http://spam.example.com"}],
        [],
    ]


def test_rows_are_never_removed() -> None:
    rows = [conversation("q", "") for _ in range(5)]
    out, _ = run([{"check": "min_length", "field": "response"}], rows)
    assert out.height == 5
    assert out["id"].to_list() == ["0", "1", "2", "3", "4"]


def test_batch_metrics_run_per_message_too() -> None:
    rows = [
        conversation("x y z x y z x y z q", "好的好的好的好的"),
        conversation("a b c d", "正常的回答内容"),
    ]
    params = {"n": 3, "max_share": 0.7, "min_tokens": 2, "min_chars": 0}
    out, _ = run(
        [{"check": "max_dup_ngram_share", "name": "loops", "field": "messages", "params": params}], rows
    )
    assert out["metric.loops"].to_list() == [0.75, 0.0]  # the worst message: 0.75 beats 0.6
    assert out["drop_reason"].to_list() == ["loops", None]
