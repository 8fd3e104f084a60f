"""`winnow.shard` and `winnow.trainer`: curated rows tokenized into length-bucketed shards, and a LoRA adapter
trained on them; `winnow.demo_model` builds the tiny offline model the demo trains.

    shards = winnow.shard(curated, tokenizer="models/Qwen2.5-0.5B-Instruct", out_dir="runs/shards")
    result = winnow.train(shards, model="models/Qwen2.5-0.5B-Instruct", out_dir="runs/adapter",
                          overrides={"loop.max_steps": 200, "optim.lr": 1e-4})

Shards and adapters are folders by nature (the trainer streams them, checkpoints resume from them), so these
two write where they are told; a Curated that was never saved is saved first into the folder given as
`run_dir` (`winnow.curate(..., run_dir=)` or `curated.save`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from winnow.curating import Curated
from winnow.curation.errors import UsageError

if TYPE_CHECKING:
    from winnow.curation.shard.writer import ShardResult
    from winnow.reading import Corpus
    from winnow.trainer.loop import RunResult


def shard(
    curated: Curated | str | Path,
    tokenizer: str | Path,
    out_dir: str | Path,
    *,
    run_dir: str | Path | None = None,
    **settings: Any,
) -> ShardResult:
    """Tokenize the kept rows with `tokenizer`'s chat template (loss on assistant tokens only) into
    `out_dir`. `curated` is a Curated or a run folder; `settings` are ShardSettings fields (template,
    max_len, last_turn_only, train_on_prompt, truncate, buckets). Reused when nothing changed."""
    from winnow.curation.shard.settings import ShardSettings
    from winnow.curation.shard.writer import shard_run

    known = {f.name for f in fields(ShardSettings)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise UsageError(f"unknown shard settings {unknown}", hint=f"known: {', '.join(sorted(known))}")
    if "buckets" in settings and settings["buckets"] is not None:
        settings["buckets"] = tuple(settings["buckets"])
    return shard_run(_run_folder(curated, run_dir), tokenizer, out_dir, ShardSettings(**settings))


def _run_folder(curated: Curated | str | Path, run_dir: str | Path | None) -> Path:
    if not isinstance(curated, Curated):
        return Path(curated)
    if run_dir is not None:
        return curated.save(run_dir)
    if curated.run_dir is None:
        raise UsageError(
            "this Curated was never saved: shards are made from a run folder",
            hint="pass run_dir=..., or call curated.save(path) first",
        )
    return curated.run_dir


def train(
    shards: ShardResult | str | Path,
    model: str | Path,
    out_dir: str | Path,
    *,
    config: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    resume: bool = False,
) -> RunResult:
    """Train a LoRA adapter of `model` (a local HF causal LM folder) on the shards into `out_dir`. `config`
    is a train YAML (train/configs/default.yaml shows every key); `overrides` map dotted keys to values
    (`{"loop.max_steps": 100, "optim.lr": 1e-4}`), as `winnow train ... loop.max_steps=100` does."""
    from winnow.trainer.config import load_config
    from winnow.trainer.loop import train as train_loop

    shard_dir = Path(shards) if isinstance(shards, (str, Path)) else shards.out_dir
    pairs = [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in (overrides or {}).items()]
    cfg = load_config(Path(config) if config is not None else None, pairs)
    return train_loop(shard_dir, str(model), cfg, Path(out_dir), resume=resume)


def demo_model(corpus: Corpus | Iterable[str], out_dir: str | Path) -> Path:
    """A tokenizer trained on the corpus's text and a tiny random-init Llama for it, in `out_dir`: what
    `winnow demo` trains, offline. For real work, pass your model's folder to `shard` and `train` instead."""
    from winnow.curation.example.tiny_model import build_tiny_model
    from winnow.curation.record import field_expr

    records = getattr(corpus, "records", None)
    texts = (
        records.select(field_expr("all_text")).to_series().drop_nulls().to_list()
        if records is not None
        else list(corpus)  # type: ignore[arg-type]
    )
    return build_tiny_model(texts, Path(out_dir))
