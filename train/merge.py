"""Merge a trained adapter into its base model and save a plain model (safetensors).

The base is loaded in bf16 or fp32 (never quantized: merging into 4-bit weights would round the
adapter away), the adapter added, merged, and the tokenizer saved beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from winnow.curation.errors import WinnowError
from winnow.curation.rulefile.bounded_yaml import load_yaml
from winnow.trainer.quiet import quiet_transformers

MERGE_DTYPES = {"bf16": torch.bfloat16, "fp32": torch.float32}


def base_model_of(adapter_dir: Path) -> str:
    """The base model the adapter was trained on (train_config.yaml, else adapter_config.json)."""
    adapter_dir = Path(adapter_dir)
    resolved = adapter_dir / "train_config.yaml"
    if resolved.is_file():
        return str(load_yaml(resolved.read_text(encoding="utf-8"))["base_model"])
    config = adapter_dir / "adapter_config.json"
    if not config.is_file():
        raise WinnowError("no adapter_config.json: not an adapter folder", where=str(adapter_dir))
    return str(json.loads(config.read_text(encoding="utf-8"))["base_model_name_or_path"])


def refuse_quantized(base: str) -> None:
    config = Path(base) / "config.json"
    if config.is_file() and "quantization_config" in json.loads(config.read_text(encoding="utf-8")):
        raise WinnowError(
            "the base model is quantized; merging into quantized weights would lose the adapter",
            where=base,
            hint="merge into the original bf16/fp32 base model (pass --base)",
        )


def load_with_adapter(
    adapter_dir: Path, base: str | None, dtype: torch.dtype, trust_remote_code: bool = False
) -> Any:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = base or base_model_of(adapter_dir)
    refuse_quantized(base)
    with quiet_transformers():  # no load bars, no deprecation peft triggers (train/quiet.py)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype, trust_remote_code=trust_remote_code)
        return PeftModel.from_pretrained(model, str(adapter_dir))


def merge(adapter_dir: Path, out_dir: Path, *, base: str | None = None, dtype: str = "fp32") -> Path:
    from transformers import AutoTokenizer

    if dtype not in MERGE_DTYPES:
        raise WinnowError(f"dtype must be one of {sorted(MERGE_DTYPES)}, got {dtype!r}")
    model = load_with_adapter(Path(adapter_dir), base, MERGE_DTYPES[dtype])
    merged = model.merge_and_unload()
    out_dir = Path(out_dir)
    with quiet_transformers():
        merged.save_pretrained(str(out_dir), safe_serialization=True)
    AutoTokenizer.from_pretrained(str(adapter_dir)).save_pretrained(str(out_dir))
    return out_dir
