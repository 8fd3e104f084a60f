"""Load the base model: AutoModelForCausalLM from a local folder (or a hub name where online).

Decisions, printed by the CLI: bf16 on GPUs that have it, fp32 on CPU (and on GPUs without bf16, where
fp16 would need a loss scaler); flash_attention_2 when installed on a GPU, SDPA otherwise;
trust_remote_code only when asked. Packing needs a backend that can keep packed rows apart.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

import torch

from winnow.curation.errors import WinnowError
from winnow.trainer.config import ModelConfig
from winnow.trainer.quiet import quiet_transformers

# Backends that keep packed rows apart: flash-attention by the restarting position ids (varlen),
# SDPA and eager by the block-diagonal 4D mask we pass.
PACKING_BACKENDS = {"flash_attention_2": "position_ids", "sdpa": "mask", "eager": "mask"}


@dataclass
class Resolved:
    device: torch.device
    dtype: torch.dtype
    attn_implementation: str


def resolve(cfg: ModelConfig, device: torch.device) -> Resolved:
    if cfg.dtype == "fp32":
        dtype = torch.float32
    elif cfg.dtype == "bf16":
        dtype = torch.bfloat16
    else:
        on_bf16_gpu = device.type == "cuda" and torch.cuda.is_bf16_supported()
        dtype = torch.bfloat16 if on_bf16_gpu else torch.float32
    attn = cfg.attn_implementation
    if attn == "auto":
        flash = device.type == "cuda" and importlib.util.find_spec("flash_attn") is not None
        attn = "flash_attention_2" if flash else "sdpa"
    return Resolved(device, dtype, attn)


def load_model(path: str, cfg: ModelConfig, resolved: Resolved, quantization: Any = None) -> Any:
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {
        "dtype": resolved.dtype,
        "attn_implementation": resolved.attn_implementation,
        "trust_remote_code": cfg.trust_remote_code,
    }
    if quantization is not None:
        kwargs["quantization_config"] = quantization
        kwargs["device_map"] = {"": resolved.device}
    try:
        with quiet_transformers():
            model: Any = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as error:
        raise WinnowError(f"cannot load the model: {error}", where=path) from error
    if quantization is None:
        model.to(resolved.device)
    model.config.use_cache = False
    if cfg.gradient_checkpointing:
        # Non-reentrant checkpointing works with frozen inputs (LoRA), no enable_input_require_grads hack.
        # transformers 5 renamed it activation checkpointing (the old name warns); 4.x has only the old one
        if hasattr(model, "activation_checkpointing_enable"):
            model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    return model


def attention_backend(model: Any) -> str:
    return str(getattr(model.config, "_attn_implementation", None) or "eager")


def check_packing(model: Any) -> str:
    """How packed rows are kept apart for this model, or a clear refusal."""
    backend = attention_backend(model)
    if backend not in PACKING_BACKENDS:
        raise WinnowError(
            f"packing needs attention that keeps packed rows apart; backend {backend!r} cannot",
            hint="use model.attn_implementation=sdpa (or eager / flash_attention_2), or data.packing=false",
        )
    return PACKING_BACKENDS[backend]
