"""The language rules on the review page: their action can be changed, predicted, saved and re-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_run import LANGUAGE_RULES_FILE, build_language_run

from winnow.curation.errors import UsageError
from winnow.curation.run_curate import run_curate
from winnow.reports.review.api import ReviewApp
from winnow.reports.review.rule_edit import edit_rule_text

MISMATCH_DROPS = {"language_mismatch": {"action": "drop"}}


def test_a_language_action_is_predicted_saved_and_rerun(tmp_path: Path) -> None:
    run_dir, corpus, _ = build_language_run(tmp_path)
    app = ReviewApp(run_dir)
    rules = {rule["name"]: rule for rule in app.state()["rules"]}
    mismatch = rules["language_mismatch"]
    assert (mismatch["stage"], mismatch["action"], mismatch["action_editable"], mismatch["failed"]) == (
        "language",
        "flag",
        True,
        1,
    )
    totals = app.whatif({"settings": MISMATCH_DROPS})["totals"]
    assert (totals["newly_dropped"], totals["unflagged"], totals["kept"]) == (1, 1, 2)
    answer = app.save({"settings": MISMATCH_DROPS, "write": True})
    saved = Path(answer["target"]).read_text(encoding="utf-8")
    assert saved == LANGUAGE_RULES_FILE.replace(
        "  action: flag   # all three flag",
        "  action: {language_not_allowed: flag, language_impure: flag, language_mismatch: drop}   # all three flag",
    )
    run_curate([corpus], Path(answer["target"]), run_dir, cache_dir=tmp_path / "cache")
    stats = json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))
    assert (stats["by_reason"], stats["kept"]) == ({"language_mismatch": 1}, 2)


def test_language_action_edits() -> None:
    block = "language:\n  mismatch: true\n  action:\n    language_impure: flag\nsplit: {}\n"
    assert edit_rule_text(block, [], language_action="drop") == (
        "language:\n  mismatch: true\n  action:\n    drop\nsplit: {}\n"
    )
    bare = "language:\n  mismatch: true  # on\nsplit: {}\n"
    assert edit_rule_text(bare, [], language_action={"language_mismatch": "flag"}) == (
        "language:\n  mismatch: true  # on\n  action: {language_mismatch: flag}\nsplit: {}\n"
    )
    with pytest.raises(UsageError, match="no block `language:` section"):
        edit_rule_text("extends: default\n", [], language_action="flag")
