"""No third-party chatter in normal output (issue 20): `winnow demo` printed transformers' "Loading weights"
and "Writing model shards" bars and a FutureWarning about `is_gradient_checkpointing` (read by peft's
get_peft_model) between winnow's own lines."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

from tests.train.train_shardkit import stories_dir
from winnow.trainer.config import load_config
from winnow.trainer.lora import add_lora
from winnow.trainer.model import load_model, resolve
from winnow.trainer.quiet import quiet_transformers


def test_loading_the_model_with_checkpointing_and_lora_prints_no_bar_and_no_warning(
    capfd: pytest.CaptureFixture[str],
) -> None:
    cfg = load_config(None, ["model.gradient_checkpointing=true"])
    resolved = resolve(cfg.model, torch.device("cpu"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = add_lora(load_model(str(stories_dir()), cfg.model, resolved), cfg.lora)
    assert model.is_activation_checkpointing  # asked for, and on
    assert [str(w.message) for w in caught if issubclass(w.category, FutureWarning)] == []
    err = capfd.readouterr().err
    assert "Loading weights" not in err
    assert "it/s" not in err


def test_saving_a_model_inside_the_block_draws_no_bar(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(stories_dir()))
    capfd.readouterr()
    with quiet_transformers():
        model.save_pretrained(str(tmp_path / "out"))
    assert "Writing model shards" not in capfd.readouterr().err


def test_the_block_restores_bars_and_lets_other_warnings_through() -> None:
    from transformers.utils import logging as hf_logging

    assert hf_logging.is_progress_bar_enabled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with quiet_transformers():
            assert not hf_logging.is_progress_bar_enabled()
            warnings.warn(
                "`is_gradient_checkpointing` is deprecated and will be removed in v6.",
                FutureWarning,
                stacklevel=1,
            )
            warnings.warn("something else is deprecated", FutureWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["something else is deprecated"]
    assert hf_logging.is_progress_bar_enabled()
