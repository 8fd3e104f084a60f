"""Files that say what ran, beside the adapter: train_config.yaml, the tokenizer, and the check that a
resumed run uses the config of the run it continues."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from winnow.curation.atomic import atomic_open
from winnow.curation.errors import WinnowError
from winnow.trainer.config import TrainConfig
from winnow.trainer.distributed import World


def same_config(saved: dict[str, Any], now: dict[str, Any], where: Path) -> None:
    """A resumed run must plan the same batches and schedule as the run it continues."""
    changed = [
        f"{section}.{key}: {saved[section].get(key)!r} -> {value!r}"
        for section, values in now.items()
        for key, value in values.items()
        if saved.get(section, {}).get(key) != value
    ]
    if changed:
        raise WinnowError(
            "the config differs from the checkpoint's: " + "; ".join(changed),
            where=str(where),
            hint="resume with the same config (train_config.yaml beside the adapter), or start a new -o",
        )


def write_resolved(
    out_dir: Path, cfg: TrainConfig, shard_dir: Path, model_ref: str, resolved: Any, world: World
) -> None:
    """train_config.yaml: every knob as it ran, plus what 'auto' resolved to."""
    document = {
        "shards": str(Path(shard_dir).resolve()),
        "base_model": model_ref,
        "resolved": {
            "device": str(resolved.device),
            "dtype": str(resolved.dtype).removeprefix("torch."),
            "attn_implementation": resolved.attn_implementation,
            "world_size": world.size,
        },
        **cfg.to_dict(),
    }
    with atomic_open(out_dir / "train_config.yaml") as handle:
        yaml.safe_dump(document, handle, sort_keys=False, allow_unicode=True)


def copy_tokenizer(shard_dir: Path, target: Path) -> None:
    """The adapter folder carries the tokenizer (and chat template) the shards were made with."""
    target.mkdir(parents=True, exist_ok=True)
    for item in (Path(shard_dir) / "tokenizer").iterdir():
        if item.is_file():
            shutil.copy2(item, target / item.name)
