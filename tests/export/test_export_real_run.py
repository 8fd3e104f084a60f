"""End to end on real data: winnow curate (tasks, mix, split) then winnow export, read back, LLaMA-Factory."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.cli.main import main
from winnow.curation.io.read import read_corpus

RULES = """
dedup:
  key: instruction_input
  exact: true
  near: false
tasks: {}
mix:
  seed: 1
  max_factor: 2
  min_rows: 120
  tasks:
    code: {cap: 400}
split:
  fractions: {train: 0.8, val: 0.1, test: 0.1}
  stratify: [task]
"""


@pytest.mark.slow
def test_curate_then_export_real_data(tmp_path: Path) -> None:
    demo = shared_path("llama_factory_demo")
    inputs = [
        demo / "alpaca_en_demo.json",
        demo / "alpaca_zh_demo.json",
        demo / "glaive_toolcall_zh_demo.json",
        shared_path("codealpaca", "code_alpaca_2k.json"),
    ]
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    run = tmp_path / "run"
    assert main(["curate", *map(str, inputs), "--rules", str(rules), "-o", str(run)]) == 0
    rows = pl.read_parquet(run / "rows.parquet")
    kept = rows.filter(pl.col("drop_reason").is_null())
    run_stats = json.loads((run / "stats.json").read_text())
    assert run_stats["rows_read"] == 999 + 1000 + 300 + 2017
    assert rows.height == run_stats["rows_read"] - run_stats["quarantined"]
    assert kept.filter(pl.col("task") == "code").height == 400
    assert rows.filter(pl.col("drop_reason") == "mix_cap").height > 0
    assert kept["repeats"].min() == 1
    assert kept["repeats"].max() == 2  # upsampled, never past max_factor
    assert set(kept["split"].unique()) == {"train", "val", "test"}
    stats = run_stats["stages"]
    assert stats["mix"]["after"]["by_task"]["code"] == 400
    assert stats["split"]["max_task_deviation_pp"] <= 1.0

    out = tmp_path / "export"
    assert main(["export", str(run), "--format", "sharegpt", "--hf", "-o", str(out)]) == 0
    summary = json.loads((out / "export.json").read_text())
    assert summary["ok"] is True
    train = summary["splits"]["train"]
    assert train["copies"] == int(kept.filter(pl.col("split") == "train")["repeats"].sum())
    assert train["written"] == train["copies"]  # sharegpt holds every kept row here
    info = json.loads((out / "dataset_info.json").read_text())
    assert sorted(info) == ["winnow_test", "winnow_train", "winnow_validation"]
    through_registry = read_corpus([f"{out / 'dataset_info.json'}:winnow_validation"])
    assert through_registry.quarantine.height == 0
    assert through_registry.records.height == summary["splits"]["validation"]["written"]
