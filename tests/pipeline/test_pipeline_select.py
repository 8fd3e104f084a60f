"""`winnow run` with a `select` section (issue 19): the rows are scored with the model to be trained, the
budget's best are kept, the shards (and so the training) hold exactly the selection, and the report shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from winnow.curation.cli.main import main
from winnow.curation.example import example_dir
from winnow.curation.pipeline.config import load_pipeline
from winnow.curation.pipeline.runner import RunContext, run_steps
from winnow.curation.pipeline.selection import curate_rules, needs_model_scores
from winnow.curation.pipeline.steps import pipeline_steps
from winnow.curation.rulefile.load import load_rule_file
from winnow.rules import shipped_rule_file


def _pipeline(tmp_path: Path, select: str) -> Path:
    """The example's first 150 English and 150 Chinese rows, the shipped default rules, the demo model."""
    data = example_dir() / "data"
    zh_lines = (data / "alpaca_zh.jsonl").read_text(encoding="utf-8").splitlines()[:150]
    (tmp_path / "zh.jsonl").write_text("\n".join(zh_lines) + "\n", encoding="utf-8")
    en_rows = json.loads((data / "alpaca_en.json").read_text(encoding="utf-8"))[:150]
    (tmp_path / "en.json").write_text(json.dumps(en_rows, ensure_ascii=False), encoding="utf-8")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        f"""
inputs: [zh.jsonl, en.json]
rules: default
work_dir: work
profile: {{enabled: false}}
export: {{enabled: false}}
shard: {{tokenizer: demo, max_len: 256}}
train:
  model: demo
  overrides: {{loop.max_steps: 2, loop.eval_every: 2, loop.save_every: 2, data.max_tokens: 1024}}
select: {select}
""",
        encoding="utf-8",
    )
    return pipeline


@pytest.mark.slow
def test_run_with_a_budget_trains_on_exactly_the_selected_rows(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path, "{budget: 60}")
    assert main(["run", str(pipeline)]) == 0  # as a user types it
    work = tmp_path / "work"
    stats = json.loads((work / "curate" / "stats.json").read_text(encoding="utf-8"))
    assert stats["stages"]["select"]["by"] == "ifd"
    assert stats["stages"]["select"]["budget"] == stats["stages"]["select"]["chosen"] == 60
    assert stats["stages"]["model_scores"]["model"] == str(work / "model")  # the model being trained
    assert stats["kept"] == 60
    assert stats["by_reason"]["not_selected"] > 0
    manifest = json.loads((work / "shards" / "manifest.json").read_text(encoding="utf-8"))
    sharded = sum(split["rows"] for split in manifest["splits"].values())
    sharded += sum(part["rows"] for part in (manifest.get("preference") or {}).values())
    assert manifest["rows_in"] == sharded == 60  # every selected row, and only those, is in the shards
    metrics = (work / "train" / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    trained_on = json.loads(metrics[0])
    assert (trained_on["kind"], trained_on["rows_in"], trained_on["dropped_rows"]) == ("shards", 60, 0)
    assert trained_on["kept"] == str(work / "curate" / "kept.parquet")
    page = (work / "curate" / "report.html").read_text(encoding="utf-8")
    assert "<h2>Selection</h2>" in page

    # the budget is a setting of curate: changing it redoes curate and what follows, not the model
    pipeline.write_text(
        pipeline.read_text(encoding="utf-8").replace("{budget: 60}", "{budget: 40}"), encoding="utf-8"
    )
    ctx = RunContext(config=load_pipeline(pipeline), console=Console(quiet=True))
    again = run_steps(pipeline_steps(), ctx, until="shard")
    assert (again.skipped, again.ran) == (["model"], ["curate", "shard"])
    assert json.loads((work / "shards" / "manifest.json").read_text(encoding="utf-8"))["rows_in"] == 40


def test_a_selection_by_a_model_score_adds_model_scores_with_the_train_model(tmp_path: Path) -> None:
    config = load_pipeline(_pipeline(tmp_path, "{budget: 0.5}"))
    rules = load_rule_file(shipped_rule_file("default"))
    assert needs_model_scores(config, rules.raw)
    model = str(tmp_path)  # any folder: the section checks that the model folder exists
    merged = curate_rules(config, rules, model)
    assert merged.sections["select"].budget == 0.5
    assert merged.sections["model_scores"].model == model
    assert merged.sections["model_scores"].template == "auto"  # shard.template: as the rows will train
    assert merged.source.endswith("+ select and model_scores from pipeline.yaml")


def test_a_selection_by_another_metric_needs_no_model(tmp_path: Path) -> None:
    config = load_pipeline(_pipeline(tmp_path, "{budget: 10, by: dup_10gram_share, order: asc}"))
    rules = load_rule_file(shipped_rule_file("default"))
    assert not needs_model_scores(config, rules.raw)
    merged = curate_rules(config, rules, "unused")
    assert "model_scores" not in merged.sections
    assert merged.sections["select"].by == "dup_10gram_share"


def test_a_bad_select_in_the_pipeline_file_names_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = _pipeline(tmp_path, "{budget: -3, byy: ifd}")
    assert main(["run", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert "select.budget: must be a row count (>= 1) or a fraction (0 < x < 1), got -3" in err
    assert "select.byy: unknown key 'byy' (did you mean \"by\"?)" in err
