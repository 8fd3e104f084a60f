"""Test helper: tiny shard folders written to the exact COMMON.md contract, and tiny models.

Until `winnow shard` is used end to end (tests/train/test_train_with_real_shards.py), the trainer's tests
build shards here: manifest.json + <split>/<bucket>.parquet (input_ids, labels, length, id, task) +
tokenizer/ (stories260K's tokenizer with a small chat template, saved with save_pretrained).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.trainer.shards import Split

TEMPLATE = (
    "{% for m in messages %}"
    "{% if m.role == 'assistant' %}{{ 'Assistant: ' + m.content + eos_token + '\n' }}"
    "{% else %}{{ m.role.capitalize() + ': ' + m.content + '\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}"
)
EDGES = (32, 64, 128, 256)


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Tiny models gain nothing from intra-op threads, and on a shared 2-core machine spinning OpenMP
    threads made these tests ~6x slower (measured: 80 s -> 13 s for 20 steps under load)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def stories_dir() -> Path:
    return shared_path("models", "stories260K", "hf")


def tokenizer_with_template() -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(stories_dir()))
    tokenizer.chat_template = TEMPLATE
    return tokenizer


def alpaca_pairs(n: int, offset: int = 0) -> list[tuple[str, str]]:
    """(prompt, response) pairs from the real LLaMA-Factory English Alpaca demo."""
    rows = json.loads(shared_path("llama_factory_demo", "alpaca_en_demo.json").read_text(encoding="utf-8"))
    pairs = []
    for row in rows[offset : offset + n]:
        prompt = row["instruction"] + (("\n" + row["input"]) if row.get("input") else "")
        pairs.append((prompt, row["output"]))
    return pairs


def encode(tokenizer: Any, prompt: str, response: str, max_len: int) -> tuple[list[int], list[int]]:
    """Prompt tokens get label -100; the reply (and its end-of-turn eos) is trained."""
    head = tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=True, return_dict=True
    )["input_ids"]
    tail = tokenizer(response, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    head = head[: max_len // 2]
    tail = tail[: max_len - len(head)]
    return head + tail, [-100] * len(head) + tail


def write_shards(
    out: Path, splits: dict[str, list[tuple[str, str]]], *, max_len: int = 128, tokenizer: Any = None
) -> Path:
    from winnow.curation.shard.fingerprint import tokenizer_fingerprint

    tokenizer = tokenizer or tokenizer_with_template()
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(out / "tokenizer"))
    manifest: dict[str, Any] = {
        "version": 1,
        "tokenizer_fingerprint": tokenizer_fingerprint(tokenizer),
        "template": {"name": "test", "text": TEMPLATE},
        "max_len": max_len,
        "masking": {"train_on": "assistant"},
        "truncation": "test helper",
        "splits": {},
    }
    for split, pairs in splits.items():
        encoded = [encode(tokenizer, p, r, max_len) for p, r in pairs]
        buckets = []
        low = 0
        for high in EDGES:
            members = [(i, e) for i, e in enumerate(encoded) if low < len(e[0]) <= high]
            low = high
            if not members:
                continue
            frame = pl.DataFrame(
                {
                    "input_ids": [e[0] for _, e in members],
                    "labels": [e[1] for _, e in members],
                    "length": [len(e[0]) for _, e in members],
                    "id": [f"{split}-{i}" for i, _ in members],
                    "task": ["general"] * len(members),
                },
                schema={
                    "input_ids": pl.List(pl.Int32),
                    "labels": pl.List(pl.Int32),
                    "length": pl.Int32,
                    "id": pl.String,
                    "task": pl.String,
                },
            )
            rel = f"{split}/le{high:04d}.parquet"
            (out / split).mkdir(exist_ok=True)
            frame.write_parquet(out / rel)
            tokens = sum(len(e[0]) for _, e in members)
            trainable = sum(sum(1 for x in e[1] if x != -100) for _, e in members)
            buckets.append(
                {
                    "file": rel,
                    "min_len": low,
                    "max_len": high,
                    "rows": len(members),
                    "tokens": tokens,
                    "trainable_tokens": trainable,
                }
            )
        manifest["splits"][split] = {
            "buckets": buckets,
            "rows": sum(b["rows"] for b in buckets),
            "tokens": sum(b["tokens"] for b in buckets),
            "trainable_tokens": sum(b["trainable_tokens"] for b in buckets),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return out


def split_from(pairs: list[tuple[list[int], list[int]]], buckets: list[int] | None = None) -> Split:
    """A Split straight from (input_ids, labels) pairs, for tests below the shard files."""
    lengths = np.array([len(ids) for ids, _ in pairs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return Split(
        "test",
        np.concatenate([np.array(ids, dtype=np.int64) for ids, _ in pairs]),
        np.concatenate([np.array(lab, dtype=np.int64) for _, lab in pairs]),
        offsets,
        np.array(buckets if buckets is not None else [0] * len(pairs), dtype=np.int64),
        [f"row-{i}" for i in range(len(pairs))],
    )


def random_llama(folder: Path, seed: int = 0) -> Path:
    """A random-init tiny Llama saved as a local model folder (vocab of stories260K's tokenizer)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=512,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=False,
        initializer_range=0.1,  # wide enough that LoRA on the layers can move the logits
    )
    LlamaForCausalLM(config).save_pretrained(str(folder))
    return folder
