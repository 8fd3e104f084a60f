"""`winnow train` on bad input: exit 2 with one message, and no empty output folder left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.train.train_shardkit import alpaca_pairs, write_shards
from winnow.curation.cli.main import main


def _train(shards: Path, model: str, out: Path, *extra: str) -> int:
    return main(["train", "--shards", str(shards), "--model", model, "-o", str(out), *extra])


def test_not_a_shard_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "new" / "adapter"
    assert _train(tmp_path / "nowhere", str(tmp_path / "model"), out) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err == (
        f"error: {tmp_path / 'nowhere'}: no manifest.json: this is not a shard folder hint: run `winnow shard` first"
    )
    assert not (tmp_path / "new").exists()


@pytest.fixture
def shards(tmp_path: Path) -> Path:
    return write_shards(tmp_path / "shards", {"train": alpaca_pairs(4)}, max_len=64)


def test_missing_model_and_a_folder_holding_a_run(
    shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "adapter"
    assert _train(shards, str(tmp_path / "no-model"), out) == 2
    assert " ".join(capsys.readouterr().err.split()) == (
        f"error: {tmp_path / 'no-model'}: model folder not found hint: name a local model folder"
    )
    assert not out.exists()
    (out / "checkpoints" / "last").mkdir(parents=True)
    assert _train(shards, str(shards), out) == 2
    assert "this folder already holds a training run" in capsys.readouterr().err


def test_a_run_that_fails_early_leaves_no_empty_folder(shards: Path, tmp_path: Path) -> None:
    not_a_model = tmp_path / "empty-model"
    not_a_model.mkdir()
    out = tmp_path / "adapter"
    assert _train(shards, str(not_a_model), out, "loop.max_steps=1") == 1
    assert not out.exists()
