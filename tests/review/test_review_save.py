"""Saving from the review page: the rule file gets the new thresholds and actions, comments kept, and the
next `winnow curate` with it does what the page predicted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_run import RULES, build_review_run

from winnow.curation.errors import UsageError
from winnow.curation.run_curate import run_curate
from winnow.reports.review.api import ReviewApp
from winnow.reports.review.rule_edit import RuleChange
from winnow.reports.review.save import plan_save
from winnow.rules import shipped_rule_file

SETTINGS = {"char_run": {"threshold": 7, "action": "drop"}, "digits": {"threshold": 0.5, "action": "drop"}}


def test_save_a_copy_and_rerun(tmp_path: Path) -> None:
    run_dir, corpus, rules = build_review_run(tmp_path)
    app = ReviewApp(run_dir)
    predicted = app.whatif({"settings": SETTINGS, "rule": "char_run"})
    preview = app.save({"settings": SETTINGS, "mode": "copy"})
    target = run_dir / "rules.reviewed.yaml"
    assert (preview["written"], preview["target"], target.exists()) == (False, str(target), False)
    answer = app.save({"settings": SETTINGS, "mode": "copy", "write": True})
    assert answer["diff"] == preview["diff"]
    assert answer["command"] == f"winnow curate {corpus} --rules {target} -o {run_dir}"
    expected = RULES.replace(
        "params: {max_run: 5}      # runs longer than five",
        "params: {max_run: 7}      # runs longer than five",
    ).replace("      min_chars: 10\n    action: flag", "      min_chars: 10\n    action: drop")
    assert target.read_text(encoding="utf-8") == expected  # one scalar each, every comment kept
    assert rules.read_text(encoding="utf-8") == RULES  # the original is untouched
    assert "-    params: {max_run: 5}      # runs longer than five\n" in answer["diff"]
    assert "+    action: drop\n" in answer["diff"]

    run_curate([corpus], target, run_dir, cache_dir=tmp_path / "cache")
    stats = json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))
    failed = {rule["name"]: rule["failed"] for rule in stats["rules"]}
    assert failed["char_run"] == predicted["rule"]["failing"] == 1
    assert stats["by_reason"] == {"char_run": 1, "digits": 1}
    assert (
        (stats["kept"], stats["dropped"])
        == (predicted["totals"]["kept"], predicted["totals"]["dropped"])
        == (4, 2)
    )
    assert target.exists()  # carried into the new run folder


def test_save_in_place_shows_the_diff(tmp_path: Path) -> None:
    run_dir, _, rules = build_review_run(tmp_path)
    app = ReviewApp(run_dir)
    assert app.state()["run"]["in_place_allowed"] is True
    answer = app.save({"settings": {"short": {"threshold": 4}}, "mode": "in_place", "write": True})
    assert answer["target"] == str(rules)
    assert answer["diff"].splitlines()[2:] == [
        "@@ -14,5 +14,5 @@",
        "   - check: min_length",
        "     name: short",
        "     field: response",
        "-    params: {min_chars: 3}",
        "+    params: {min_chars: 4}",
        "     action: flag",
    ]
    assert rules.read_text(encoding="utf-8") == RULES.replace("{min_chars: 3}", "{min_chars: 4}")


def test_nothing_to_save_and_shipped_files_stay(tmp_path: Path) -> None:
    run_dir, _, _ = build_review_run(tmp_path)
    with pytest.raises(UsageError, match="nothing to save"):
        ReviewApp(run_dir).save({"settings": {"char_run": {"threshold": 5}}})
    with pytest.raises(UsageError, match="shipped with winnow: it is not rewritten in place"):
        plan_save(
            shipped_rule_file("default"), run_dir, [RuleChange("mojibake", {"max_count": 1})], in_place=True
        )


def test_a_copy_from_the_resolved_rules_when_the_rule_file_is_gone(tmp_path: Path) -> None:
    run_dir, _, rules = build_review_run(tmp_path)
    rules.unlink()
    app = ReviewApp(run_dir)
    assert app.state()["run"]["in_place_allowed"] is False
    with pytest.raises(UsageError, match="is not found"):
        app.save({"settings": {"char_run": {"threshold": 6}}, "mode": "in_place"})
    answer = app.save({"settings": {"char_run": {"threshold": 6}}, "write": True})
    assert answer["source"] == str(run_dir / "rules.resolved.yaml")
    text = (run_dir / "rules.reviewed.yaml").read_text(encoding="utf-8")
    assert "# winnow run" not in text  # the run's identity line is not copied
    assert "    max_run: 6\n" in text
