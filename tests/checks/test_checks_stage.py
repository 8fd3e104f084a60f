"""Pieces of the checks stage (winnow.curation.checks.stage) tested on their own."""

from __future__ import annotations

import polars as pl

from winnow.curation.checks.stage import SPAN_TYPE, _lists_at_rows


def test_lists_are_placed_at_their_rows_and_every_other_row_gets_an_empty_list() -> None:
    lists = pl.Series(
        "check_spans",
        [[{"rule": "a", "span": "x"}], [{"rule": "b", "span": "y"}, {"rule": "c", "span": None}]],
        dtype=SPAN_TYPE,
    )
    placed = _lists_at_rows(5, pl.Series([1, 3], dtype=pl.UInt32), lists)
    assert placed.name == "check_spans"
    assert placed.dtype == SPAN_TYPE
    assert placed.to_list() == [
        [],
        [{"rule": "a", "span": "x"}],
        [],
        [{"rule": "b", "span": "y"}, {"rule": "c", "span": None}],
        [],
    ]
    assert placed.null_count() == 0
    # a slice of a longer column (offsets not starting at 0) is placed the same way
    longer = pl.concat([pl.Series("check_spans", [[{"rule": "z", "span": "z"}]], dtype=SPAN_TYPE), lists])
    assert _lists_at_rows(5, pl.Series([1, 3], dtype=pl.UInt32), longer.slice(1, 2)).equals(placed)


def test_recorded_failures_equal_the_ledger_on_fresh_and_earlier_filled_ledgers() -> None:
    from winnow.curation.cache import MetricCache
    from winnow.curation.checks.engine import build_rule
    from winnow.curation.checks.stage import failure_expr, metric_values, preparation, record_rule_failures
    from winnow.curation.ledger import record_failures, with_ledger
    from winnow.curation.record import frame_from_rows
    from winnow.curation.rulefile.load import parse_rules

    checks = [
        {"check": "min_length", "name": "short", "field": "response", "params": {"min_chars": 3}},
        {"check": "max_length", "name": "long", "field": "response", "params": {"max_chars": 6}},
    ]
    rules = [
        build_rule(r, materialized=True) for r in parse_rules({"checks": checks}).sections["checks"].rules
    ]
    replies = ["ok", "fine", "far too long", "", "good"]
    frame = with_ledger(
        frame_from_rows(
            [
                {
                    "id": str(i),
                    "kind": "sft",
                    "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": r}],
                }
                for i, r in enumerate(replies)
            ]
        )
    )
    values = metric_values(frame, rules, MetricCache(None), preparation(rules))
    earlier = frame.with_columns(
        pl.Series("drop_reason", ["earlier", None, None, None, "earlier"]),
        pl.Series("failed_rules", [["earlier"], [], [], [], ["earlier"]]),
    )
    failures = [(b.rule.name, failure_expr(b)) for b in rules]
    for ledger in (frame, earlier):
        got = record_rule_failures(ledger, rules, values).select("drop_reason", "failed_rules")
        want = record_failures(ledger.with_columns(values.get_columns()), failures)
        assert got.equals(want.select("drop_reason", "failed_rules"))
    got = record_rule_failures(earlier, rules, values)
    assert got["drop_reason"].to_list() == ["earlier", None, "long", "short", "earlier"]
    assert got["failed_rules"].to_list() == [["earlier", "short"], [], ["long"], ["short"], ["earlier"]]
