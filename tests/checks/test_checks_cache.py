"""The metric cache: a re-run with only thresholds changed recomputes no metric."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.cache import MetricCache
from winnow.curation.checks.stage import run_checks
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import parse_rules

RULES: list[dict[str, Any]] = [
    {"check": "max_special_char_ratio", "field": "response", "params": {"max_ratio": 0.5, "min_chars": 1}},
    # a map_batches metric: identified by its non-threshold params, not its serialized expression
    {
        "check": "max_dup_ngram_share",
        "field": "response",
        "params": {"n": 2, "max_share": 0.5, "min_tokens": 2, "min_chars": 0},
    },
    {"check": "min_length", "name": "short", "field": "messages", "params": {"min_chars": 3}},
]
REPLIES = ["$$$ ok", "好的好的好的", "a perfectly normal reply", "x"]


def frame(replies: list[str]) -> pl.DataFrame:
    return frame_from_rows(
        [
            {
                "id": str(i),
                "kind": "sft",
                "messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": r}],
            }
            for i, r in enumerate(replies)
        ]
    )


def run(
    rules: list[dict[str, Any]], replies: list[str], cache_dir: Path
) -> tuple[pl.DataFrame, dict[str, Any]]:
    config = parse_rules({"checks": rules}).sections["checks"]
    return run_checks(frame(replies), config, MetricCache(cache_dir))


def with_params(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    rules = [dict(r, params=dict(r["params"])) for r in RULES]
    for rule in rules:
        rule["params"].update(changes.get(rule.get("name", rule["check"]), {}))
    return rules


def test_second_run_with_changed_thresholds_computes_nothing(tmp_path: Path) -> None:
    cold, cold_stats = run(RULES, REPLIES, tmp_path)
    assert cold_stats["cache"]["values_computed"] == 3 * 4
    assert cold_stats["cache"]["values_from_cache"] == 0
    changed = with_params(
        max_special_char_ratio={"max_ratio": 0.1},
        max_dup_ngram_share={"max_share": 0.9},
        short={"min_chars": 10},
    )
    warm, warm_stats = run(changed, REPLIES, tmp_path)
    assert warm_stats["cache"]["values_computed"] == 0
    assert warm_stats["cache"]["values_from_cache"] == 3 * 4
    metric_columns = [c for c in cold.columns if c.startswith("metric.")]
    assert warm.select(metric_columns).equals(cold.select(metric_columns))
    # the new thresholds were applied to the cached metrics
    assert cold["drop_reason"].to_list() == ["max_special_char_ratio", "max_dup_ngram_share", None, "short"]
    assert warm["drop_reason"].to_list() == ["max_special_char_ratio", "short", "short", "short"]


def test_changing_a_metric_parameter_recomputes_that_metric_only(tmp_path: Path) -> None:
    run(RULES, REPLIES, tmp_path)
    _, stats = run(with_params(max_dup_ngram_share={"n": 3}), REPLIES, tmp_path)
    assert stats["cache"]["values_computed"] == 4
    assert sorted(stats["cache"]["metrics_from_cache"]) == ["metric.max_special_char_ratio", "metric.short"]


def test_only_changed_rows_are_computed(tmp_path: Path) -> None:
    run(RULES, REPLIES, tmp_path)
    replies = [*REPLIES[:3], "a new reply", REPLIES[3]]
    out, stats = run(RULES, replies, tmp_path)
    assert stats["cache"]["values_computed"] == 3 * 1
    assert stats["cache"]["values_from_cache"] == 3 * 4
    fresh, _ = run(RULES, replies, tmp_path / "elsewhere")
    metric_columns = [c for c in out.columns if c.startswith("metric.")]
    assert out.select(metric_columns).equals(fresh.select(metric_columns))


def test_no_cache_directory_computes_everything(tmp_path: Path) -> None:
    config = parse_rules({"checks": RULES}).sections["checks"]
    _, stats = run_checks(frame(REPLIES), config, MetricCache(None))
    assert stats["cache"]["values_computed"] == 12
    assert list(tmp_path.iterdir()) == []


def test_yes_no_checks_are_cached_too(tmp_path: Path) -> None:
    """A check without a metric (conversation_repeated_turn) is not re-evaluated on a re-run either."""
    rules = [*RULES, {"check": "conversation_repeated_turn", "name": "echo", "params": {"min_chars": 5}}]
    replies = ["hello", *REPLIES]  # the first reply repeats the user turn
    cold, cold_stats = run(rules, replies, tmp_path)
    assert cold_stats["cache"]["values_computed"] == 4 * 5
    warm, warm_stats = run(rules, replies, tmp_path)
    assert warm_stats["cache"]["values_computed"] == 0
    assert warm_stats["cache"]["values_from_cache"] == 4 * 5
    assert cold["drop_reason"].to_list() == [
        "echo",
        "max_special_char_ratio",
        "max_dup_ngram_share",
        None,
        "short",
    ]
    assert warm["failed_rules"].to_list() == cold["failed_rules"].to_list()
    assert not [c for c in warm.columns if c.startswith("__")]  # the cached flags stay internal
    assert "metric.echo" not in warm.columns


def test_row_keys_are_stored_once_per_set_of_rows(tmp_path: Path) -> None:
    run(RULES, REPLIES, tmp_path)
    metrics = tmp_path / "metrics"
    assert len(list(metrics.glob("*.parquet"))) == 3  # one value file per metric
    assert len(list((metrics / "keys").glob("*.parquet"))) == 1  # one key list, shared by the three
    assert all(pl.read_parquet(p).columns == ["value"] for p in metrics.glob("*.parquet"))


def test_older_rows_stay_cached_after_a_run_on_other_rows(tmp_path: Path) -> None:
    first, _ = run(RULES, REPLIES, tmp_path)
    other = ["completely different", "$$$$$$"]
    run(RULES, other, tmp_path)  # these rows first, REPLIES' rows after them in every metric file
    again, stats = run(RULES, REPLIES, tmp_path)
    assert stats["cache"]["values_computed"] == 0
    assert stats["cache"]["values_from_cache"] == 3 * 4
    metric_columns = [c for c in first.columns if c.startswith("metric.")]
    assert again.select(metric_columns).equals(first.select(metric_columns))
    _, stats = run(RULES, [REPLIES[0], other[1]], tmp_path)  # rows of both earlier runs
    assert stats["cache"]["values_computed"] == 0


def test_a_damaged_key_file_is_a_cold_cache(tmp_path: Path) -> None:
    run(RULES, REPLIES, tmp_path)
    run(RULES, ["another row"], tmp_path)  # the next run must join on the stored keys
    for keys in (tmp_path / "metrics" / "keys").glob("*.parquet"):
        keys.write_bytes(b"not parquet")
    out, stats = run(RULES, REPLIES, tmp_path)
    assert stats["cache"]["values_computed"] == 3 * 4
    fresh, _ = run(RULES, REPLIES, tmp_path / "elsewhere")
    assert out.select("drop_reason").equals(fresh.select("drop_reason"))
