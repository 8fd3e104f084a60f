"""train/config.py: YAML + overrides, strict types, every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from winnow.curation.errors import ConfigError
from winnow.trainer.config import TrainConfig, load_config

DEFAULT_YAML = Path(__file__).resolve().parents[2] / "train" / "configs" / "default.yaml"


def test_shipped_default_yaml_is_the_dataclass_defaults() -> None:
    assert load_config(DEFAULT_YAML) == TrainConfig()


def test_overrides_are_typed_and_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("lora:\n  r: 4\noptim:\n  lr: 1.0e-3\n", encoding="utf-8")
    cfg = load_config(
        path, ["lora.r=8", "optim.lr=2e-4", "lora.target_modules=[q_proj, v_proj]", "data.packing=true"]
    )
    assert cfg.lora.r == 8
    assert cfg.optim.lr == 2e-4
    assert cfg.lora.target_modules == ["q_proj", "v_proj"]
    assert cfg.data.packing is True


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "lora:\n  alph: 8\n  dropout: 1.5\noptim:\n  lr: fast\nschedule:\n  kind: cosin\nloopp: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, ["data.max_tokens=0", "model.gradient_checkpointing=maybe", "nodot=1"])
    problems = caught.value.problems
    assert problems == [
        "override 'nodot=1': key must be section.name (e.g. lora.r=8)",
        "lora: unknown key 'alph' (did you mean \"alpha\"?); known: alpha, dropout, quantize, r, target_modules, use_dora, use_rslora",
        "optim.lr: must be float, got 'fast'",
        "unknown section 'loopp' (did you mean \"loop\"?); known: data, loop, lora, model, optim, schedule",
        "model.gradient_checkpointing: must be bool, got 'maybe'",
        "schedule.kind: unknown value 'cosin' (did you mean \"cosine\"?); known: constant, cosine, linear",
        "data.max_tokens: must be > 0, got 0",
        "lora.dropout: must be in [0, 1), got 1.5",
    ]
    assert caught.value.exit_code == 2


def test_qlora_is_refused_on_a_machine_without_cuda() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ConfigError) as caught:
        load_config(None, ["lora.quantize=4bit"])
    assert "lora.quantize: 4bit (QLoRA) needs a CUDA GPU; this machine has none" in caught.value.problems
