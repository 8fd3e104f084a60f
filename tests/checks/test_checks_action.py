"""`action: flag` on a rule: the row is kept, the rule is listed in `flagged_rules`, the ledger stays exact.

Checks, language and dedup rules, stats.json's flagged counts, the metric cache across an action change,
kept.parquet and exports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.cache import MetricCache
from winnow.curation.checks.stage import run_checks
from winnow.curation.ledger import record_failures, with_ledger
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import parse_rules
from winnow.curation.run_curate import curate_frame, run_curate

REFUSAL = "I'm sorry, but I cannot help with that request."


def row(i: int, instruction: str, response: str) -> dict[str, Any]:
    return {
        "id": str(i),
        "kind": "sft",
        "messages": [{"role": "user", "content": instruction}, {"role": "assistant", "content": response}],
    }


ROWS = [
    row(0, "What is two plus two?", "Two plus two is four."),
    row(1, "Tell me how to pick a lock.", REFUSAL),
    row(2, "Say nothing at all.", ""),
]


def checks(refusal_action: str) -> list[dict[str, Any]]:
    return [
        {"check": "min_length", "name": "empty_response", "field": "response", "params": {"min_chars": 1}},
        {"check": "refusal_response", "action": refusal_action},
    ]


def ledger(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    return frame.select("id", "drop_reason", "failed_rules", "flagged_rules").rows()


def test_a_flag_rule_keeps_its_row_and_lists_itself_in_flagged_rules() -> None:
    result = curate_frame(frame_from_rows(ROWS), parse_rules({"checks": checks("flag")}))
    assert ledger(result.frame) == [
        ("0", None, [], []),
        ("1", None, ["refusal_response"], ["refusal_response"]),
        ("2", "empty_response", ["empty_response"], []),
    ]
    stats = result.stats
    assert (stats["rows_read"], stats["kept"], stats["dropped"], stats["flagged"]) == (3, 2, 1, 1)
    assert stats["rows_read"] == stats["kept"] + stats["dropped"] + stats["quarantined"]
    assert stats["flagged_by_rule"] == {"refusal_response": 1}
    assert stats["by_reason"] == {"empty_response": 1}
    by_name = {r["name"]: r for r in stats["rules"]}
    assert {n: (r["action"], r["failed"], r["dropped_first"], r["flagged"]) for n, r in by_name.items()} == {
        "empty_response": ("drop", 1, 1, 0),
        "refusal_response": ("flag", 1, 0, 1),
    }


def test_the_same_rule_with_action_drop_drops_the_row() -> None:
    result = curate_frame(frame_from_rows(ROWS), parse_rules({"checks": checks("drop")}))
    assert ledger(result.frame)[1] == ("1", "refusal_response", ["refusal_response"], [])
    assert (result.stats["kept"], result.stats["flagged"], result.stats["flagged_by_rule"]) == (1, 0, {})


def test_drop_reason_skips_flag_rules_and_flagged_rules_keep_file_order() -> None:
    frame = with_ledger(pl.DataFrame({"id": ["a", "b", "c"], "x": [3, 1, 0]}))
    failures = [
        ("flag_one", pl.col("x") >= 1),
        ("drop_two", pl.col("x") >= 2),
        ("flag_three", pl.col("x") >= 3),
        ("drop_four", pl.col("x") < 0),
    ]
    out = record_failures(frame, failures, flagged={"flag_one", "flag_three"})
    assert ledger(out) == [
        ("a", "drop_two", ["flag_one", "drop_two", "flag_three"], ["flag_one", "flag_three"]),
        ("b", None, ["flag_one"], ["flag_one"]),
        ("c", None, [], []),
    ]
    # a later stage appends; an earlier drop_reason stays
    later = record_failures(
        out, [("late_flag", pl.col("x") == 1), ("late_drop", pl.col("x") == 3)], {"late_flag"}
    )
    assert ledger(later)[:2] == [
        ("a", "drop_two", ["flag_one", "drop_two", "flag_three", "late_drop"], ["flag_one", "flag_three"]),
        ("b", None, ["flag_one", "late_flag"], ["flag_one", "late_flag"]),
    ]


def test_an_action_change_recomputes_no_metric(tmp_path: Path) -> None:
    def run(action: str) -> tuple[pl.DataFrame, dict[str, Any]]:
        config = parse_rules({"checks": checks(action)}).sections["checks"]
        return run_checks(with_ledger(frame_from_rows(ROWS)), config, MetricCache(tmp_path))

    dropping, cold = run("drop")
    assert cold["cache"]["values_computed"] == 2 * 3
    flagging, warm = run("flag")
    assert (warm["cache"]["values_computed"], warm["cache"]["values_from_cache"]) == (0, 2 * 3)
    assert dropping["drop_reason"].to_list() == [None, "refusal_response", "empty_response"]
    assert flagging["drop_reason"].to_list() == [None, None, "empty_response"]
    assert flagging["flagged_rules"].to_list() == [[], ["refusal_response"], []]


def test_language_rules_take_one_action_or_one_per_rule() -> None:
    rows = [
        row(0, "What is the capital city of France?", "Paris is the capital city of France."),
        row(1, "Wie heißt die Hauptstadt von Frankreich?", "Die Hauptstadt von Frankreich ist Paris."),
    ]
    language = {"allowed": ["en", "zh"], "mismatch": False}
    flag_all = curate_frame(frame_from_rows(rows), parse_rules({"language": {**language, "action": "flag"}}))
    assert ledger(flag_all.frame)[1] == ("1", None, ["language_not_allowed"], ["language_not_allowed"])
    assert flag_all.stats["flagged_by_rule"] == {"language_not_allowed": 1}
    per_rule = {**language, "action": {"language_impure": "flag"}}
    dropping = curate_frame(frame_from_rows(rows), parse_rules({"language": per_rule}))
    assert ledger(dropping.frame)[1] == ("1", "language_not_allowed", ["language_not_allowed"], [])
    resolved = parse_rules({"language": per_rule}).resolved()["language"]["action"]
    assert resolved == {
        "language_not_allowed": "drop",
        "language_impure": "flag",
        "language_mismatch": "drop",
    }
    assert parse_rules({"language": {"action": "flag"}}).resolved()["language"]["action"] == "flag"


def test_dedup_with_action_flag_keeps_the_duplicates_flagged() -> None:
    rows = [row(i, "What is the capital city of France?", "Paris is the capital city.") for i in range(3)]
    result = curate_frame(frame_from_rows(rows), parse_rules({"dedup": {"action": "flag", "near": False}}))
    assert ledger(result.frame) == [
        ("0", None, [], []),
        ("1", None, ["exact_duplicate"], ["exact_duplicate"]),
        ("2", None, ["exact_duplicate"], ["exact_duplicate"]),
    ]
    assert (result.stats["kept"], result.stats["dropped"], result.stats["flagged"]) == (3, 0, 2)
    dropped = curate_frame(frame_from_rows(rows), parse_rules({"dedup": {"near": False}}))
    assert dropped.frame["drop_reason"].to_list() == [None, "exact_duplicate", "exact_duplicate"]


def test_kept_parquet_and_the_export_carry_flagged_rows(tmp_path: Path) -> None:
    from winnow.curation.export.run import export_run

    source = tmp_path / "data.jsonl"
    source.write_text(
        "".join(
            json.dumps({"instruction": r["messages"][0]["content"], "output": r["messages"][1]["content"]})
            + "\n"
            for r in ROWS
        ),
        encoding="utf-8",
    )
    result = run_curate([source], parse_rules({"checks": checks("flag")}), tmp_path / "run")
    kept = pl.read_parquet(tmp_path / "run" / "kept.parquet")
    assert kept.select("drop_reason", "flagged_rules").rows() == [(None, []), (None, ["refusal_response"])]
    stats = json.loads((tmp_path / "run" / "stats.json").read_text(encoding="utf-8"))
    assert (stats["kept"], stats["flagged"], stats["flagged_by_rule"]) == (2, 1, {"refusal_response": 1})
    assert "action: flag" in (tmp_path / "run" / "rules.resolved.yaml").read_text(encoding="utf-8")
    assert result.stats["kept"] == 2
    export = export_run(tmp_path / "run", tmp_path / "out", format="alpaca")
    written = [json.loads(line) for line in (tmp_path / "out" / "train.jsonl").read_text().splitlines()]
    assert sorted(r["output"] for r in written) == sorted(["Two plus two is four.", REFUSAL])
    assert sum(s.rows for s in export.splits) == 2
