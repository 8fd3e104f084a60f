"""Short training runs are short and never silent (issue 20): evaluation is capped by default for a run of a
few steps (a 2-step run on a 24-batch val split evaluated all 24 batches twice), every evaluation shows a bar
over its batches, and the training report marks the eval points, says the epochs really run and links back to
the shards and the curated rows."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from tests.train.train_shardkit import alpaca_pairs, one_torch_thread, stories_dir, write_shards
from winnow.trainer.config import load_config
from winnow.trainer.loop import SHORT_RUN_EVAL_MIN, eval_cap, train
from winnow.trainer.progress import TrainProgress, read_metrics

pytestmark = pytest.mark.usefixtures("one_torch_thread")
__all__ = ["one_torch_thread"]


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shards")
    return write_shards(out, {"train": alpaca_pairs(16), "val": alpaca_pairs(24, 600)}, max_len=96)


def test_eval_cap_is_the_runs_micro_batches_at_least_eight_unless_set() -> None:
    assert SHORT_RUN_EVAL_MIN == 8
    assert eval_cap(load_config(None, ["loop.max_steps=2"]), 2) == 8
    assert eval_cap(load_config(None, ["loop.max_steps=20", "optim.grad_accum=2"]), 20) == 40
    assert eval_cap(load_config(None, ["loop.max_steps=2", "loop.eval_max_batches=24"]), 2) == 24


def test_a_two_step_run_evaluates_eight_of_24_val_batches_with_a_bar(shards: Path, tmp_path: Path) -> None:
    # max_rows=1: one val row per micro-batch, so the val split is 24 batches
    cfg = load_config(None, ["loop.max_steps=2", "data.max_rows=1", "data.max_tokens=512"])
    console = Console(file=io.StringIO(), record=True, force_terminal=True, width=200, color_system=None)
    result = train(shards, str(stories_dir()), cfg, tmp_path / "out", console=console)
    output = console.export_text()
    assert result.steps == 2
    assert (
        "eval: 8 of 24 eval micro-batches (a short run of 2 steps evaluates on at most max(8, its "
        "micro-batches); set loop.eval_max_batches to choose)"
    ) in output
    assert "eval batches at step 0" in output
    assert "eval batches at step 2" in output
    assert "8/8" in output
    evals = [r for r in read_metrics(tmp_path / "out" / "metrics.jsonl") if r["kind"] == "eval"]
    assert [r["step"] for r in evals] == [0, 2]
    best = min(evals, key=lambda r: r["eval_loss"])
    # the closing line rounds like the step lines (it printed 7.347970288420377)
    assert f"best eval loss {best['eval_loss']:.4f} at step {best['step']}" in " ".join(output.split())


def test_an_explicit_eval_max_batches_is_named_as_the_reason(shards: Path, tmp_path: Path) -> None:
    cfg = load_config(
        None, ["loop.max_steps=1", "data.max_rows=1", "data.max_tokens=512", "loop.eval_max_batches=3"]
    )
    console = Console(file=io.StringIO(), record=True, width=200)
    train(shards, str(stories_dir()), cfg, tmp_path / "out", console=console)
    assert "eval: 3 of 24 eval micro-batches (loop.eval_max_batches)" in console.export_text()


def test_eval_bar_shows_its_batches_and_goes_away_after_the_last() -> None:
    console = Console(file=io.StringIO(), record=True, force_terminal=True, width=120, color_system=None)
    with TrainProgress(console, total=10, completed=0) as progress:
        moved = progress.eval_batches(5, 3)
        moved(1, 3)
        assert "eval batches at step 5" in console.export_text(clear=False)
        assert "1/3" in console.export_text(clear=False)
        moved(3, 3)
        assert len(progress.progress.tasks) == 1  # only the train bar is left


def _metrics(out: Path, records: list[dict[str, object]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def _train_record(step: int, epochs_done: float) -> dict[str, object]:
    return {
        "kind": "train",
        "step": step,
        "epoch": 0,
        "epochs_done": epochs_done,
        "loss": 2.0 - step / 10,
        "lr": 1e-3,
        "real_tokens": 90,
        "computed_tokens": 100,
        "trained_tokens": 40,
        "padding_efficiency": 0.9,
        "tokens_per_s": 100.0,
        "seconds": 0.9,
    }


def test_report_marks_eval_points_says_real_epochs_and_links_back(tmp_path: Path) -> None:
    from winnow.trainer.report import write_train_report

    run = tmp_path / "runs" / "zh"
    run.mkdir(parents=True)
    (run / "kept.parquet").write_bytes(b"")
    (run / "report.html").write_text("")
    shard_dir = tmp_path / "shards"
    shard_dir.mkdir()
    (shard_dir / "manifest.json").write_text("{}")
    out = tmp_path / "out"
    shards = {
        "kind": "shards",
        "step": 0,
        "rows_in": 120,
        "dropped_rows": 2,
        "dropped_by_reason": {"too_long": 2},
        "truncated_rows": 3,
        "shard_dir": str(shard_dir),
        "kept": str(run / "kept.parquet"),
    }
    evals = [{"kind": "eval", "step": s, "eval_loss": 2.5 - s / 10} for s in (0, 2, 4)]
    _metrics(out, [shards, evals[0], *[_train_record(s, s / 16) for s in (1, 2, 3, 4)], *evals[1:]])
    (out / "train_config.yaml").write_text("base_model: /models/tiny\nloop: {epochs: 1, max_steps: 4}\n")
    html = write_train_report(out).read_text()
    assert html.count('class="marker"') == 3
    assert "<title>eval loss at step 2: 2.3000</title>" in html
    assert "<th>epochs run</th><td>0.25 (config: max_steps 4)</td>" in html
    assert "<th>eval points</th><td>0, 2, 4</td>" in html
    assert "<th>best eval loss</th><td>2.1000 at step 4</td>" in html
    assert "<th>rows dropped by winnow shard</th><td>2 (too_long 2)</td>" in html
    assert "<th>rows truncated by winnow shard</th><td>3</td>" in html
    assert f'shards: <a href="../shards">{shard_dir}</a>' in html
    assert f'curated rows: <a href="../runs/zh/kept.parquet">{run / "kept.parquet"}</a>' in html
    assert f'curation run report: <a href="../runs/zh/report.html">{run / "report.html"}</a>' in html
    assert f"rows the shards dropped: {shard_dir / 'dropped.parquet'} (not found from here)" in html
    assert "base model: /models/tiny" in html
    assert "Noto Sans CJK SC" in html  # the pages' shared style, CJK font stack included


def test_report_of_a_run_from_before_the_records_says_not_recorded(tmp_path: Path) -> None:
    from winnow.trainer.report import write_train_report

    record = _train_record(1, 0.5)
    del record["epochs_done"]
    _metrics(tmp_path, [record])
    html = write_train_report(tmp_path).read_text()
    assert "<th>epochs run</th><td>not recorded (config: epochs ?)</td>" in html
    assert "not recorded (a run from before winnow recorded where its shards came from)" in html
