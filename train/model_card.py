"""The adapter's model card: README.md beside the adapter, filled from what the run wrote.

PEFT's `save_pretrained` leaves its empty template ("[More Information Needed]") with the base model's absolute
local path as `base_model`. This card says what a person loading the adapter needs: the base model (its Hub
name when the folder's config names one, else the folder's name: a local path means nothing on another
machine), the data (the curated run the shards came from, rows per split, rows the shards dropped or
truncated), the chat template, the LoRA and optimiser settings, the losses, and how to load it.

    write_model_card(out_dir)   # after save_pretrained; reads train_config.yaml, metrics.jsonl, the manifest
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from winnow.curation import __version__
from winnow.curation.atomic import atomic_open

CARD = "README.md"


def base_model_name(path: str) -> str:
    """The base model as another machine can find it: the `_name_or_path` its config.json records when that is
    a Hub id (no path separator at its start, not a local folder), else the folder's own name."""
    folder = Path(path)
    config = folder / "config.json"
    if config.is_file():
        named = json.loads(config.read_text(encoding="utf-8")).get("_name_or_path")
        if isinstance(named, str) and named and not named.startswith(("/", ".")) and not Path(named).exists():
            return named
    return folder.name or path


def _metrics(out_dir: Path) -> list[dict[str, Any]]:
    path = out_dir / "metrics.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _manifest(shards: Path) -> dict[str, Any]:
    path = shards / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def card_text(out_dir: Path) -> str:
    """The card's markdown (YAML header first, as the Hub reads it)."""
    config = yaml.safe_load((out_dir / "train_config.yaml").read_text(encoding="utf-8")) or {}
    base_path = str(config.get("base_model", ""))
    base = base_model_name(base_path)
    manifest = _manifest(Path(str(config.get("shards", ""))))
    records = _metrics(out_dir)
    train = [r for r in records if r.get("kind") == "train"]
    evals = [r for r in records if r.get("kind") == "eval"]
    shards = next((r for r in records if r.get("kind") == "shards"), {})
    lora, optim, loop, data = (config.get(k, {}) for k in ("lora", "optim", "loop", "data"))
    rows = {name: sum(b.get("rows", 0) for b in split.get("buckets", [])) for name, split in
            manifest.get("splits", {}).items()}  # fmt: skip
    template = manifest.get("template", {})
    template_name = template.get("name", "?") if isinstance(template, dict) else str(template)
    header = {
        "base_model": base,
        "library_name": "peft",
        "pipeline_tag": "text-generation",
        "tags": ["lora", "sft", "winnow", f"base_model:adapter:{base}"],
    }
    lines = [
        "---",
        yaml.safe_dump(header, sort_keys=False, allow_unicode=True).rstrip(),
        "---",
        "",
        f"# LoRA adapter for {base}",
        "",
        f"A LoRA SFT adapter trained by winnow {__version__} on curated instruction data, the loss on assistant "
        "tokens only.",
        "",
        "## Data",
        "",
        f"- curated rows: {manifest.get('input', {}).get('kept', '?')} ({manifest.get('rows_in', '?')} rows in)",
        "- rows per split: " + (", ".join(f"{k} {v:,}" for k, v in rows.items()) or "not recorded"),
        f"- rows the shards dropped: {shards.get('dropped_rows', 'not recorded')}"
        + (f" ({shards.get('dropped_by_reason')})" if shards.get("dropped_by_reason") else "")
        + f"; truncated: {shards.get('truncated_rows', 'not recorded')}",
        f"- chat template: `{template_name}`; max length {manifest.get('max_len', '?')} tokens",
        "",
        "## Training",
        "",
        f"- LoRA r={lora.get('r')}, alpha={lora.get('alpha')}, dropout={lora.get('dropout')}, "
        f"targets {lora.get('target_modules')}, quantize {lora.get('quantize')}",
        f"- lr {optim.get('lr')}, grad_accum {optim.get('grad_accum')}, epochs {loop.get('epochs')}, "
        f"max_steps {loop.get('max_steps')}, packing {data.get('packing')}, seed {loop.get('seed')}",
        f"- device {config.get('resolved', {}).get('device')}, dtype {config.get('resolved', {}).get('dtype')}",
        f"- steps trained: {train[-1]['step'] if train else 0}; last train loss: "
        + (f"{train[-1]['loss']:.4f}" if train else "—"),
        "- eval loss: "
        + (" → ".join(f"{e['eval_loss']:.4f} (step {e['step']})" for e in (evals[:1] + evals[-1:])) or "—"),
        "",
        "The full settings are in `train_config.yaml`, every step in `metrics.jsonl`, the curves in `report.html`.",
        "",
        "## Use",
        "",
        "```python",
        "from peft import PeftModel",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "",
        f'base = AutoModelForCausalLM.from_pretrained("{base}")',
        'model = PeftModel.from_pretrained(base, "path/to/this/folder")',
        'tokenizer = AutoTokenizer.from_pretrained("path/to/this/folder")  # with the chat template trained on',
        "```",
        "",
        "`winnow merge` folds the adapter into the base weights; `winnow generate` samples from it.",
        "",
    ]
    return "\n".join(lines)


def write_model_card(out_dir: Path) -> Path:
    """Replace PEFT's empty template with the filled card; returns its path."""
    path = out_dir / CARD
    with atomic_open(path) as handle:
        handle.write(card_text(out_dir))
    return path
