"""The whole way through the real `winnow shard`: kept rows -> shards (stories260K tokenizer, a built-in
template) -> `winnow train` -> `winnow generate`, all through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import shared_path
from tests.train.train_shardkit import one_torch_thread, stories_dir
from winnow.curation.cli.main import main
from winnow.curation.record import frame_from_rows
from winnow.trainer.progress import read_metrics

pytestmark = pytest.mark.usefixtures("one_torch_thread")
__all__ = ["one_torch_thread"]


def _kept(run_dir: Path, n_train: int, n_val: int) -> None:
    rows = json.loads(shared_path("llama_factory_demo", "alpaca_en_demo.json").read_text(encoding="utf-8"))
    records = []
    for index, row in enumerate(rows[: n_train + n_val]):
        prompt = row["instruction"] + (("\n" + row["input"]) if row.get("input") else "")
        records.append(
            {
                "id": f"alpaca-{index}",
                "kind": "sft",
                "task": "general",
                "messages": [
                    {"role": "user", "content": prompt},
                    {"role": "assistant", "content": row["output"]},
                ],
            }
        )
    frame = frame_from_rows(records).with_columns(pl.Series("split", ["train"] * n_train + ["val"] * n_val))
    run_dir.mkdir(parents=True)
    frame.write_parquet(run_dir / "kept.parquet")


def test_train_on_shards_written_by_winnow_shard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _kept(tmp_path / "run", 120, 24)
    shards = tmp_path / "shards"
    code = main(
        [
            "shard",
            str(tmp_path / "run"),
            "--tokenizer",
            str(stories_dir()),
            "--template",
            "plain",
            "--max-len",
            "192",
            "--truncate",
            "--token-budget",
            "1024",
            "--workers",
            "1",
            "-o",
            str(shards),
        ]
    )
    assert code == 0
    out = tmp_path / "out"
    code = main(
        [
            "train",
            "--shards",
            str(shards),
            "--model",
            str(stories_dir()),
            "-o",
            str(out),
            "loop.max_steps=24",
            "loop.eval_every=12",
            "data.max_tokens=1024",
            "optim.lr=3e-3",
        ]
    )
    assert code == 0
    evals = [r["eval_loss"] for r in read_metrics(out / "metrics.jsonl") if r["kind"] == "eval"]
    # what the shards dropped and truncated is in the metrics and the report, as the manifest says
    manifest = json.loads((shards / "manifest.json").read_text(encoding="utf-8"))
    [record] = [r for r in read_metrics(out / "metrics.jsonl") if r["kind"] == "shards"]
    assert record["rows_in"] == 144
    assert record["dropped_rows"] == manifest["dropped"]["rows"]
    assert record["dropped_by_reason"] == manifest["dropped"]["by_reason"]
    assert record["truncated_rows"] == manifest["truncation"]["truncated_rows"] > 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"<th>rows truncated by winnow shard</th><td>{record['truncated_rows']:,}</td>" in html
    assert len(evals) == 3
    assert evals[-1] < evals[0]
    capsys.readouterr()
    assert (
        main(["generate", str(out), "Write a short story.", "--temperature", "0", "--max-new-tokens", "10"])
        == 0
    )
    assert capsys.readouterr().out.strip()
