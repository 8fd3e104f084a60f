"""End-to-end test of `winnow run`: every stage runs once, a re-run skips all, a changed threshold redoes curate,
and what follows only when the kept rows changed (the demo model is reused)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from winnow.curation.cli.main import main
from winnow.curation.example import example_dir
from winnow.curation.pipeline.config import load_pipeline
from winnow.curation.pipeline.runner import RunContext, run_steps
from winnow.curation.pipeline.steps import pipeline_steps
from winnow.rules import shipped_rule_file


def _small_pipeline(tmp_path: Path) -> Path:
    data = example_dir() / "data"
    zh_lines = (data / "alpaca_zh.jsonl").read_text(encoding="utf-8").splitlines()[:120]
    (tmp_path / "zh.jsonl").write_text("\n".join(zh_lines) + "\n", encoding="utf-8")
    en_rows = json.loads((data / "alpaca_en.json").read_text(encoding="utf-8"))[:120]
    (tmp_path / "en.json").write_text(json.dumps(en_rows, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(
        shipped_rule_file("default").read_text(encoding="utf-8"), encoding="utf-8"
    )
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        """
inputs: [zh.jsonl, en.json]
rules: rules.yaml
work_dir: work
export: {formats: [alpaca]}
shard: {tokenizer: demo, max_len: 256}
train:
  model: demo
  overrides: {loop.max_steps: 2, loop.eval_every: 1, loop.save_every: 2, data.max_tokens: 1024}
""",
        encoding="utf-8",
    )
    return pipeline


def _run(pipeline: Path) -> RunContext:
    ctx = RunContext(config=load_pipeline(pipeline), console=Console(quiet=True))
    return run_steps(pipeline_steps(), ctx)


@pytest.mark.slow
def test_rerun_skips_and_threshold_change_redoes_only_curate_onwards(tmp_path: Path) -> None:
    pipeline = _small_pipeline(tmp_path)
    first = _run(pipeline)
    assert first.ran == ["profile", "model", "curate", "export", "shard", "train"]
    work = tmp_path / "work"
    for produced in (
        "profile/profile.html",
        "curate/report.html",
        "export/alpaca/train.jsonl",
        "shards/manifest.json",
        "train/adapter_config.json",
    ):
        assert (work / produced).is_file(), produced
    assert first.summaries["curate"]["rows_read"] == 240

    second = _run(pipeline)
    assert second.ran == []
    assert second.skipped == ["profile", "model", "curate", "export", "shard", "train"]

    rules = tmp_path / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "params: {max_run: 12}" in text
    rules.write_text(text.replace("params: {max_run: 12}", "params: {max_run: 13}"), encoding="utf-8")
    third = _run(pipeline)
    # curate is redone, but no row changes side at 13, so its kept rows are byte-identical and everything
    # after it is skipped (content-addressed); the profile describes the raw corpus and is not redone
    assert third.ran == ["curate"]
    assert third.skipped == ["profile", "model", "export", "shard", "train"]

    text = rules.read_text(encoding="utf-8")
    # a tighter threshold on a rule that drops (the default flags it: measured below 0.9)
    special = re.compile(
        r"(check: max_special_char_ratio\n.*\n\s*params: \{max_ratio: )[0-9.]+(.*\n\s*action: )flag"
    )
    assert special.search(text)
    rules.write_text(special.sub(r"\g<1>0.01\g<2>drop", text), encoding="utf-8")
    fourth = _run(pipeline)
    assert fourth.ran == ["curate", "export", "shard", "train"]
    assert fourth.skipped == ["profile", "model"]
    assert fourth.summaries["curate"]["kept"] < first.summaries["curate"]["kept"]


def test_run_reports_a_bad_pipeline_file_with_exit_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "pipeline.yaml"
    bad.write_text("inputs: []\ntrain: {modle: x}\n", encoding="utf-8")
    assert main(["run", str(bad)]) == 2
