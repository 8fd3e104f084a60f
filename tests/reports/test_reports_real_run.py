"""A report of a real `run_curate` run (shipped default rules: mappers + checks, plus exact dedup) on real
data agrees with its stats.json: every rule's failed and dropped-first counts, every reason, the funnel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reports_runfolder import ints

from tests.conftest import shared_path
from winnow.curation.rulefile.load import load_rule_file, parse_rules
from winnow.curation.run_curate import run_curate
from winnow.reports import write_run_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_report_of_a_real_run_matches_stats_json(tmp_path: Path) -> None:
    inputs = [
        shared_path("llama_factory_demo", "alpaca_zh_demo.json"),
        shared_path("self_instruct", "predictions", "davinci_predictions.jsonl"),
    ]
    shipped = load_rule_file(ROOT / "rules" / "default.yaml").resolved()
    raw = {k: v for k, v in shipped.items() if k in ("mappers", "checks")}
    raw["dedup"] = {"key": "instruction_input", "near": False}  # exact only: quick and deterministic
    rules = parse_rules(raw, "default.yaml (mappers, checks) + exact dedup")
    run = tmp_path / "run"
    run_curate(inputs, rules, run, cache_dir=tmp_path / "cache")
    stats = json.loads((run / "stats.json").read_text(encoding="utf-8"))
    cells = ints(write_run_report(run).read_text(encoding="utf-8"))
    assert stats["rows_read"] == 1252
    for key in ("rows_read", "quarantined", "kept"):
        assert cells[f"funnel.{key}"] == stats[key]
    assert cells["funnel.accepted"] == stats["rows_accepted"]
    for rule in stats["rules"]:
        assert cells[f"rule.{rule['name']}.failed"] == rule["failed"]
        assert cells[f"rule.{rule['name']}.dropped_first"] == rule["dropped_first"]
    for reason, n in stats["by_reason"].items():
        assert cells[f"by_reason.{reason}"] == n
    assert sum(stats["by_reason"].values()) == stats["dropped"]
    first = sum(cells[f"rule.{r['name']}.dropped_first"] for r in stats["rules"])
    others = sum(v for k, v in cells.items() if k.startswith("other.") and k.endswith(".dropped_first"))
    assert first + others + cells["rules.kept"] + cells["rules.quarantined"] == stats["rows_read"]
    assert cells["dedup.members_dropped"] == stats["by_reason"].get("exact_duplicate", 0)
