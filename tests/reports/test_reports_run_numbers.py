"""The run report's numbers equal stats.json and the rows: funnel, per-rule counts, marginal, overlap."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from reports_runfolder import build_run, ints, sft

from winnow.reports import write_run_report

# r2 fails both rules (first reason response_too_short), r3 only instruction_too_long, r4 and r5 only
# response_too_short; r1 and r6 pass.
LONG = "x" * 50
ROWS = [
    sft("r1", "short", "fine answer", line=1, task="qa"),
    sft("r2", LONG, "ok", line=2, task="qa"),
    sft("r3", LONG, "long enough", line=3, task="code"),
    sft("r4", "hi", "no", line=4, task="code"),
    sft("r5", "hello", "", line=5, task="qa"),
    sft("r6", "what is 2+2?", "it is four", line=6, task="math"),
]


def _report(tmp_path: Path, **kwargs: object) -> tuple[dict[str, int], dict, str]:
    run = build_run(tmp_path / "run", ROWS, quarantined=1, **kwargs)  # type: ignore[arg-type]
    path = write_run_report(run)
    html_text = path.read_text(encoding="utf-8")
    return ints(html_text), json.loads((run / "stats.json").read_text()), html_text


def test_per_rule_counts_equal_stats_json(tmp_path: Path) -> None:
    cells, stats, _ = _report(tmp_path)
    for rule in stats["rules"]:
        assert cells[f"rule.{rule['name']}.failed"] == rule["failed"]
        assert cells[f"rule.{rule['name']}.dropped_first"] == rule["dropped_first"]
    assert cells["rule.response_too_short.failed"] == 3
    assert cells["rule.response_too_short.dropped_first"] == 3
    assert cells["rule.response_too_short.marginal"] == 2
    assert cells["rule.instruction_too_long.failed"] == 2
    assert cells["rule.instruction_too_long.dropped_first"] == 1
    assert cells["rule.instruction_too_long.marginal"] == 1


def test_totals_add_up_to_rows_read(tmp_path: Path) -> None:
    cells, stats, _ = _report(tmp_path)
    dropped = sum(cells[f"rule.{r['name']}.dropped_first"] for r in stats["rules"])
    assert dropped + cells["rules.kept"] + cells["rules.quarantined"] == stats["rows_read"] == 7
    assert cells["rules.total"] == stats["rows_read"]


def test_funnel_equals_stats_json(tmp_path: Path) -> None:
    cells, stats, html_text = _report(tmp_path)
    assert cells["funnel.rows_read"] == stats["rows_read"] == 7
    assert cells["funnel.quarantined"] == stats["quarantined"] == 1
    assert cells["funnel.accepted"] == stats["rows_accepted"] == 6
    assert cells["funnel.checks.dropped"] == stats["dropped"] == 4
    assert cells["funnel.kept"] == stats["kept"] == 2
    for reason, n in stats["by_reason"].items():
        assert cells[f"by_reason.{reason}"] == n
    assert "= rows read ✓" in html_text


def test_overlap_matrix(tmp_path: Path) -> None:
    cells, _, _ = _report(tmp_path)
    assert cells["overlap.response_too_short.response_too_short"] == 3
    assert cells["overlap.response_too_short.instruction_too_long"] == 1
    assert cells["overlap.instruction_too_long.response_too_short"] == 1
    assert cells["overlap.instruction_too_long.instruction_too_long"] == 2


def test_nearby_threshold_current_equals_failed(tmp_path: Path) -> None:
    cells, _, _ = _report(tmp_path)
    assert cells["nearby.response_too_short.current"] == 3
    assert cells["nearby.instruction_too_long.current"] == 2


def test_task_mix_before_and_after(tmp_path: Path) -> None:
    cells, _, _ = _report(tmp_path)
    assert (cells["mix.task.qa.before"], cells["mix.task.qa.after"]) == (3, 1)
    assert (cells["mix.task.code.before"], cells["mix.task.code.after"]) == (2, 0)
    assert (cells["mix.task.math.before"], cells["mix.task.math.after"]) == (1, 1)


def test_stage_columns_language_split_dedup(tmp_path: Path) -> None:
    extra = {
        "lang.response": ["en", "en", "zh", "en", "und", "en"],
        "split": ["train", None, None, None, None, "val"],
        "dup_cluster": ["c1", None, None, None, None, "c1"],
        "dup_cluster_size": [2, None, None, None, None, 2],
        "dup_kept_id": [None, None, None, None, None, "r1"],
        "dup_jaccard": [None, None, None, None, None, 0.83],
    }
    failures = [("near_duplicate", pl.col("dup_kept_id").is_not_null())]
    cells, stats, html_text = _report(tmp_path, extra_columns=extra, extra_failures=failures)
    assert (cells["mix.lang.response.en.before"], cells["mix.lang.response.en.after"]) == (4, 1)
    assert cells["split.train"] == 1
    assert "split.val" not in cells  # r6 is now dropped as a near-duplicate of r1
    assert cells["dedup.clusters"] == 1
    assert cells["dedup.rows_in_clusters"] == 2
    assert cells["dedup.members_dropped"] == 1
    assert cells["funnel.dedup.dropped"] == 1
    assert cells["other.near_duplicate.dropped_first"] == 1
    assert cells["other.near_duplicate.failed"] == 1
    assert cells["other.near_duplicate.marginal"] == 1
    assert cells["overlap.near_duplicate.near_duplicate"] == 1
    assert cells["funnel.kept"] == stats["kept"] == 1
    assert "0.83" in html_text


def test_missing_stages_are_said_not_invented(tmp_path: Path) -> None:
    _, _, html_text = _report(tmp_path)
    assert "Language mix: not available" in html_text
    assert "Duplicate clusters: not available" in html_text
    assert "Split composition: not available" in html_text


def test_dropped_example_highlights_the_span(tmp_path: Path) -> None:
    spans = [[], [], [], [{"rule": "response_too_short", "span": "no"}], [], []]
    _, _, html_text = _report(tmp_path, extra_columns={"check_spans": spans})
    assert '<mark class="span">no</mark>' in html_text


def test_mapper_steps_and_examples(tmp_path: Path) -> None:
    steps = [
        {
            "mapper": "strip",
            "params": {},
            "rows_changed": 2,
            "examples": [{"id": "r1", "field": "input", "before": "  a ", "after": "a"}],
        },
        {"mapper": "collapse_punctuation", "params": {"max_repeat": 3}, "rows_changed": 0, "examples": []},
    ]
    stages = {"mappers": {"steps": steps, "rows_changed": 2, "rows": 6}, "checks": {}}
    cells, _, html_text = _report(tmp_path, stages=stages)
    assert cells["mapper.1.strip.changed"] == 2
    assert cells["mapper.2.collapse_punctuation.changed"] == 0
    assert cells["mapper.any.changed"] == 2
    assert "max_repeat=3" in html_text
    assert "strip: before / after" in html_text
    assert cells["funnel.mappers.dropped"] == 0
