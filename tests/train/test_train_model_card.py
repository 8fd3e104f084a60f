"""The adapter's model card (train/model_card.py) from a run folder's files, inline."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from winnow.trainer.model_card import base_model_name, write_model_card


def test_a_hub_name_in_the_base_config_is_the_card_s_base_model(tmp_path: Path) -> None:
    named = tmp_path / "qwen"
    named.mkdir()
    (named / "config.json").write_text(json.dumps({"_name_or_path": "Qwen/Qwen2.5-0.5B"}))
    bare = tmp_path / "my-model"
    bare.mkdir()
    (bare / "config.json").write_text(json.dumps({"_name_or_path": str(bare)}))
    assert base_model_name(str(named)) == "Qwen/Qwen2.5-0.5B"
    assert base_model_name(str(bare)) == "my-model"  # a local path names nothing on another machine


def test_the_card_says_data_settings_losses_and_how_to_load(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    manifest = {
        "template": {"name": "qwen3"},
        "max_len": 1024,
        "rows_in": 120,
        "input": {"kept": "runs/r1/kept.parquet"},
        "splits": {"train": {"buckets": [{"rows": 90}, {"rows": 10}]}, "val": {"buckets": [{"rows": 6}]}},
    }
    (shards / "manifest.json").write_text(json.dumps(manifest))
    out = tmp_path / "adapter"
    out.mkdir()
    config = {
        "shards": str(shards),
        "base_model": str(tmp_path / "base"),
        "resolved": {"device": "cpu", "dtype": "float32"},
        "lora": {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["all-linear"], "quantize": "none"},
        "optim": {"lr": 0.0002, "grad_accum": 1},
        "loop": {"epochs": 1, "max_steps": 2, "seed": 42},
        "data": {"packing": False},
    }
    (out / "train_config.yaml").write_text(yaml.safe_dump(config))
    metrics = [
        {"kind": "shards", "step": 0, "rows_in": 120, "dropped_rows": 4, "dropped_by_reason": {"too_long": 4},
         "truncated_rows": 0},
        {"kind": "eval", "step": 0, "eval_loss": 2.5},
        {"kind": "train", "step": 1, "loss": 2.4},
        {"kind": "train", "step": 2, "loss": 2.25},
        {"kind": "eval", "step": 2, "eval_loss": 2.0},
    ]  # fmt: skip
    (out / "metrics.jsonl").write_text("".join(json.dumps(m) + "\n" for m in metrics))
    (out / "README.md").write_text("# Model Card for Model ID\n[More Information Needed]\n")
    card = write_model_card(out).read_text(encoding="utf-8")
    assert yaml.safe_load(card.split("---\n")[1])["base_model"] == "base"
    assert "- rows per split: train 100, val 6" in card
    assert "- rows the shards dropped: 4 ({'too_long': 4}); truncated: 0" in card
    assert "- chat template: `qwen3`; max length 1024 tokens" in card
    assert "- LoRA r=8, alpha=16, dropout=0.05, targets ['all-linear'], quantize none" in card
    assert "- steps trained: 2; last train loss: 2.2500" in card
    assert "- eval loss: 2.5000 (step 0) → 2.0000 (step 2)" in card
    assert "[More Information Needed]" not in card
