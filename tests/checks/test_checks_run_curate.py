"""`winnow curate` end to end: the run folder, the ledger invariant, the cache on a re-run, `winnow rules`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import shared_path

from winnow.curation.cli.main import main
from winnow.curation.record import RECORD_SCHEMA, frame_from_rows
from winnow.curation.rulefile.load import load_rule_file, parse_rules
from winnow.curation.run_curate import curate_frame, run_curate
from winnow.curation.run_folder import TEXT_COLUMNS
from winnow.rules import shipped_rule_file

RUN_FILES = {
    "rows.parquet",
    "kept.parquet",
    "dropped.parquet",
    "quarantine.jsonl",
    "stats.json",
    "rules.resolved.yaml",
}


def test_ledger_invariant_on_an_in_memory_frame() -> None:
    rules = parse_rules(
        {"mappers": ["strip"], "checks": [{"check": "min_length", "name": "empty", "field": "response"}]}
    )
    rows = [
        {
            "id": str(i),
            "kind": "sft",
            "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": r}],
        }
        for i, r in enumerate(["ok", "  ", "fine", ""])
    ]
    result = curate_frame(frame_from_rows(rows), rules, quarantined=3, only_stages=("mappers", "checks"))
    stats = result.stats
    assert (stats["rows_read"], stats["kept"], stats["dropped"], stats["quarantined"]) == (7, 2, 2, 3)
    assert stats["rows_read"] == stats["kept"] + stats["dropped"] + stats["quarantined"]
    assert stats["by_reason"] == {"empty": 2}
    assert stats["stages"]["mappers"]["steps"][0]["rows_changed"] == 1


def test_run_folder_from_a_file_with_a_broken_line(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    lines = [
        {"instruction": "Say hi", "input": "", "output": "Hi!"},
        {"instruction": "你好", "input": "", "output": "锟斤拷锟斤拷"},
        {"instruction": "Spam", "input": "", "output": "TODO: lorem ipsum"},
    ]
    data.write_text(
        "\n".join([*(json.dumps(x, ensure_ascii=False) for x in lines), "{broken json"]) + "\n",
        encoding="utf-8",
    )
    result = run_curate([data], shipped_rule_file("default"), tmp_path / "run", cache_dir=tmp_path / "cache")
    run = tmp_path / "run"
    assert {p.name for p in run.iterdir()} >= RUN_FILES
    stats = json.loads((run / "stats.json").read_text(encoding="utf-8"))
    # mojibake flags by default (too few real flags to measure to 0.9): the 锟斤拷 row is kept, flagged
    assert (stats["rows_read"], stats["kept"], stats["dropped"], stats["quarantined"]) == (4, 2, 1, 1)
    assert stats["by_reason"] == {"placeholder_text": 1}
    assert stats["rule_file"].endswith("default.yaml")
    quarantine = [
        json.loads(line) for line in (run / "quarantine.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [q["line"] for q in quarantine] == [4]
    rows = pl.read_parquet(run / "rows.parquet")
    assert rows.height == 3
    # rows.parquet is the ledger: every column but the texts, which are in kept.parquet and dropped.parquet
    assert set(rows.columns) == set(result.frame.columns) - set(TEXT_COLUMNS)
    assert set(RECORD_SCHEMA.names()) - set(TEXT_COLUMNS) == {
        "id",
        "source",
        "line",
        "format",
        "kind",
        "label",
        "task",
    }
    assert {"drop_reason", "failed_rules", "check_spans", "metric.empty_response", "metric.mojibake"} <= set(
        rows.columns
    )
    assert rows.schema["metric.empty_response"] == pl.Float64
    kept_rows = pl.read_parquet(run / "kept.parquet")
    dropped_rows = pl.read_parquet(run / "dropped.parquet")
    assert kept_rows.columns == dropped_rows.columns == result.frame.columns
    assert {"messages", "original", "drop_reason"} <= set(kept_rows.columns)
    assert kept_rows["flagged_rules"].to_list() == [[], ["mojibake"]]
    assert dropped_rows["drop_reason"].to_list() == ["placeholder_text"]
    assert sorted(kept_rows["id"].to_list() + dropped_rows["id"].to_list()) == sorted(rows["id"].to_list())
    resolved = load_rule_file(run / "rules.resolved.yaml")
    assert [r.name for r in resolved.sections["checks"].rules] == [
        r["name"] for r in stats["rules"] if r["stage"] == "checks"
    ]
    assert result.stats == stats


def test_cli_end_to_end_on_real_data_and_a_cached_rerun(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = shared_path("llama_factory_demo", "alpaca_zh_demo.json")
    run = tmp_path / "runs" / "r1"
    argv = ["curate", str(data), "--rules", str(shipped_rule_file("zh")), "-o", str(run), "--no-report"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "winnow curate" in err
    assert "kept" in err
    stats = json.loads((run / "stats.json").read_text(encoding="utf-8"))
    assert stats["rows_read"] == 1000
    assert stats["rows_read"] == stats["kept"] + stats["dropped"] + stats["quarantined"]
    assert stats["stages"]["checks"]["cache"]["values_from_cache"] == 0
    assert (tmp_path / "runs" / ".winnow-cache" / "metrics").is_dir()
    # the same data again with one threshold changed: every metric comes from the cache
    tuned = tmp_path / "tuned.yaml"
    tuned.write_text(
        f"extends: {shipped_rule_file('zh')}\nchecks:\n  - name: max_char_run\n    params: {{max_run: 3}}\n",
        encoding="utf-8",
    )
    assert (
        main(["curate", str(data), "--rules", str(tuned), "-o", str(tmp_path / "runs" / "r2"), "--no-report"])
        == 0
    )
    again = json.loads((tmp_path / "runs" / "r2" / "stats.json").read_text(encoding="utf-8"))
    assert again["stages"]["checks"]["cache"]["values_computed"] == 0
    assert (
        again["stages"]["checks"]["cache"]["values_from_cache"]
        == stats["stages"]["checks"]["cache"]["values_computed"]
    )
    runs = {r["name"]: r for r in again["rules"]}
    assert runs["max_char_run"]["threshold"] == 3.0
    assert runs["max_char_run"]["failed"] >= {r["name"]: r for r in stats["rules"]}["max_char_run"]["failed"]


def test_cli_rejects_a_bad_rule_file_before_reading_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("checks:\n  - check: min_lenght\n", encoding="utf-8")
    code = main(["curate", str(bad), "--rules", str(bad), "-o", str(tmp_path / "run")])
    assert code == 2
    assert 'did you mean "min_length"' in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_rules_list_and_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "list"]) == 0
    listing = capsys.readouterr().out
    for name in ("max_dup_ngram_share", "mojibake", "blocklist", "collapse_punctuation"):
        assert name in listing
    assert main(["rules", "check", str(shipped_rule_file("strict"))]) == 0
    assert "ok" in capsys.readouterr().out


def test_an_empty_corpus_runs_with_and_without_a_cache(tmp_path: Path) -> None:
    from winnow.curation.record import empty_records

    rules = load_rule_file(shipped_rule_file("default"))
    for cache_dir in (tmp_path, tmp_path, None):
        result = curate_frame(empty_records(), rules, cache_dir=cache_dir, only_stages=("mappers", "checks"))
        assert (result.stats["rows_read"], result.stats["kept"], result.stats["dropped"]) == (0, 0, 0)
        assert "metric.empty_response" in result.frame.columns
