"""Wrap the base model with a peft LoRA adapter (optionally rsLoRA, DoRA, or a 4-bit QLoRA base).

Defaults (r=16, alpha=16, dropout 0, all-linear) are justified in train/README.md.
"""

from __future__ import annotations

from typing import Any

import torch

from winnow.trainer.config import LoraConfig
from winnow.trainer.quiet import quiet_transformers


def quantization_config(cfg: LoraConfig, compute_dtype: torch.dtype) -> Any:
    """A bitsandbytes 4-bit NF4 config for QLoRA, or None (validated: GPU and bitsandbytes present)."""
    if cfg.quantize != "4bit":
        return None
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute_dtype,
    )


def add_lora(model: Any, cfg: LoraConfig) -> Any:
    from peft import LoraConfig as PeftLoraConfig
    from peft import get_peft_model, prepare_model_for_kbit_training

    if cfg.quantize == "4bit":
        with quiet_transformers():
            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    targets: str | list[str] = "all-linear" if cfg.target_modules == ["all-linear"] else cfg.target_modules
    peft_config = PeftLoraConfig(
        task_type="CAUSAL_LM",
        r=cfg.r,
        lora_alpha=cfg.alpha,
        lora_dropout=cfg.dropout,
        target_modules=targets,
        use_rslora=cfg.use_rslora,
        use_dora=cfg.use_dora,
        bias="none",
    )
    with quiet_transformers():  # peft reads a deprecated transformers property (see train/quiet.py)
        return get_peft_model(model, peft_config)


def count_parameters(model: Any) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total
