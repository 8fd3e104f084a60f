"""Benchmark the trainer's batching and throughput on shards of real instruction data.

    nice python bench/train.py                  # ~12.6k English instruction rows, stories260K, CPU (~15 min)
    nice python bench/train.py --rows 300 --repeats 2   # rows in the timed runs, rounds of them

1. Shards: real Alpaca-format data (LLaMA-Factory demo, Code Alpaca 2k, GSM8K, GPTeacher roleplay) read with
   `read_corpus`, split 90/10, tokenized by the real `winnow shard` (stories260K tokenizer, built-in plain
   template, max_len 512, last reply truncated).
2. Padding efficiency (real tokens / computed tokens) of one epoch's plan at the same token budget:
   random-order pad-to-longest, winnow's bucketed batches, winnow's packed rows.
3. Real (non-pad) tokens/s training the same LoRA on the same model (stories260K, r=16 all-linear) and the
   same rows: winnow bucketed, winnow packed, and a transformers `Trainer` + `DataCollatorForSeq2Seq`
   baseline as a competent user writes it: `group_by_length=True` (transformers 5: `train_sampling_strategy="group_by_length"`), pad
   to the longest row of each batch, rows per batch chosen so that its tokens per optimizer step match
   winnow bucketed's (rows / winnow's steps on the same rows). Until 2026-12-07 the baseline took random
   batches of 8 rows (the weaker baseline; its figures are kept in bench/results/train.md's history).
Writes bench/out/train/ and bench/results/train.md. Timings on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from bench import history  # noqa: E402
from winnow.curation.io.read import read_corpus  # noqa: E402
from winnow.curation.shard.settings import ShardSettings  # noqa: E402
from winnow.curation.shard.writer import shard_run  # noqa: E402
from winnow.trainer.batching import greedy_batches, padding_efficiency, plan_batches, plan_packs  # noqa: E402
from winnow.trainer.config import load_config  # noqa: E402
from winnow.trainer.loop import train  # noqa: E402
from winnow.trainer.progress import read_metrics  # noqa: E402
from winnow.trainer.shards import Split, load_split, read_manifest  # noqa: E402

SHARED = Path(os.environ.get("WINNOW_SHARED_DATA", ROOT.parent / "shared" / "data"))
INPUTS = [
    "llama_factory_demo/alpaca_en_demo.json",
    "codealpaca/code_alpaca_2k.json",
    "alpaca_data_cleaned/gsm_8k_train.json",
    "alpaca_data_cleaned/gpteacher_roleplay_deduped.json",
]
MODEL = SHARED / "models" / "stories260K" / "hf"
OUT = ROOT / "bench" / "out" / "train"
RESULTS = ROOT / "bench" / "results" / "train.md"
BUDGET = 4096
BASELINE_BATCH = 8


def make_shards() -> Path:
    result = read_corpus([SHARED / p for p in INPUTS])
    frame = (
        result.records.with_row_index("n")
        .with_columns(
            pl.when(pl.col("n") % 10 == 0).then(pl.lit("val")).otherwise(pl.lit("train")).alias("split")
        )
        .drop("n")
    )
    run = OUT / "run"
    run.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(run / "kept.parquet")
    settings = ShardSettings(template="plain", max_len=512, truncate=True, token_budget=BUDGET)
    shard_run(run, MODEL, OUT / "shards", settings)
    return OUT / "shards"


def random_pad_to_longest(split: Split, budget: int, seed: int = 0) -> list[list[int]]:
    """What a plain shuffled loader does: random order, cut at the same token budget, pad to longest."""
    order = np.random.default_rng(seed).permutation(len(split)).tolist()
    return greedy_batches(order, split.lengths, budget)


def efficiency_table(split: Split) -> list[tuple[str, float, int]]:
    lengths = split.lengths
    rows = []
    random_batches = random_pad_to_longest(split, BUDGET)
    rows.append(
        (
            "random order, pad to longest",
            padding_efficiency(random_batches, lengths, False),
            len(random_batches),
        )
    )
    fixed = np.random.default_rng(0).permutation(len(split)).tolist()
    fixed_batches = [fixed[i : i + BASELINE_BATCH] for i in range(0, len(fixed), BASELINE_BATCH)]
    rows.append(
        (
            f"random order, {BASELINE_BATCH} rows/batch, pad to longest",
            padding_efficiency(fixed_batches, lengths, False),
            len(fixed_batches),
        )
    )
    bucketed = plan_batches(split, max_tokens=BUDGET, seed=42, epoch=0)
    rows.append(("winnow bucketed", padding_efficiency(bucketed, lengths, False), len(bucketed)))
    for pack_length in (0, 1024):
        plan = plan_packs(split, max_tokens=BUDGET, pack_length=pack_length, seed=42, epoch=0)
        name = (
            "one pack per micro-batch"
            if pack_length == 0
            else f"{BUDGET // pack_length} packs of <= {pack_length}"
        )
        rows.append((f"winnow packed, {name}", padding_efficiency(plan, lengths, True), len(plan)))
        packs = [p for batch in plan for p in batch]
        fill = sum(int(lengths[p].sum()) for p in packs) / (len(packs) * (pack_length or BUDGET))
        rows.append((f"winnow packed, {name}: fill of a fixed-size pack", fill, len(plan)))
    return rows


def subset_shards(shards: Path, rows: int) -> Path:
    """The first `rows` train rows of the real shards as a shard folder of their own (same contract)."""
    target = OUT / f"shards_{rows}"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(shards / "tokenizer", target / "tokenizer")
    manifest = read_manifest(shards)
    frames = [pl.read_parquet(shards / b["file"], glob=False) for b in manifest["splits"]["train"]["buckets"]]
    frame = pl.concat(frames).sample(n=min(rows, sum(f.height for f in frames)), seed=0)
    (target / "train").mkdir(parents=True)
    frame.write_parquet(target / "train" / "all.parquet")
    entry = {"file": "train/all.parquet", "min_len": 0, "max_len": 512, "rows": frame.height}
    manifest["splits"] = {"train": {"buckets": [entry], "rows": frame.height}}
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


def run_winnow(shards: Path, packing: bool) -> dict[str, Any]:
    out = OUT / ("winnow_packed" if packing else "winnow_bucketed")
    shutil.rmtree(out, ignore_errors=True)
    knobs = ["loop.epochs=1", f"data.max_tokens={BUDGET // 2}", f"data.packing={str(packing).lower()}"]
    knobs += [f"data.pack_length={BUDGET // 4}"] if packing else []
    knobs += ["loop.save_every=100000", "loop.eval_every=100000"]
    cfg = load_config(None, knobs)
    started = time.perf_counter()
    train(shards, str(MODEL), cfg, out, console=Console(file=io.StringIO()))
    wall = time.perf_counter() - started
    steps = [r for r in read_metrics(out / "metrics.jsonl") if r["kind"] == "train"]
    real = sum(r["real_tokens"] for r in steps)
    step_seconds = sum(r["seconds"] for r in steps)
    return {
        "real": real,
        "steps": len(steps),
        "step_s": step_seconds,
        "wall_s": wall,
        "tok_s": real / step_seconds,
    }


def matched_batch_rows(shards: Path) -> int:
    """Rows per Trainer batch whose tokens per step match winnow bucketed's (same rows, same budget)."""
    split = load_split(shards, read_manifest(shards), "train")
    steps = len(plan_batches(split, max_tokens=BUDGET // 2, seed=42, epoch=0))
    return max(1, round(len(split) / steps))


def run_trainer_baseline(shards: Path, batch_rows: int) -> dict[str, Any]:
    """transformers Trainer (group_by_length) + DataCollatorForSeq2Seq on the same rows, LoRA and model."""
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        DataCollatorForSeq2Seq,
        Trainer,
        TrainingArguments,
    )

    split = load_split(shards, read_manifest(shards), "train")
    data: dict[str, list[Any]] = {"input_ids": [], "labels": [], "attention_mask": []}
    for i in range(len(split)):
        ids, labels = split.row(i)
        data["input_ids"].append(ids.tolist())
        data["labels"].append(labels.tolist())
        data["attention_mask"].append([1] * len(ids))
    dataset = Dataset.from_dict(data)
    tokenizer = AutoTokenizer.from_pretrained(str(shards / "tokenizer"))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(42)
    model = AutoModelForCausalLM.from_pretrained(str(MODEL), dtype=torch.float32, attn_implementation="sdpa")
    model = get_peft_model(
        model,
        LoraConfig(task_type="CAUSAL_LM", r=16, lora_alpha=16, lora_dropout=0.0, target_modules="all-linear"),
    )
    args = TrainingArguments(
        output_dir=str(OUT / "baseline"),
        per_device_train_batch_size=batch_rows,
        # `group_by_length=True` before transformers 5: length-grouped mega-batches (lengths read from
        # input_ids), what users set to cut padding
        train_sampling_strategy="group_by_length",
        num_train_epochs=1,
        learning_rate=2e-4,
        lr_scheduler_type="cosine",
        logging_steps=10_000,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        dataloader_num_workers=0,
        disable_tqdm=True,
        seed=42,
    )
    collator = DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100, padding="longest")
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator)
    started = time.perf_counter()
    output = trainer.train()
    wall = time.perf_counter() - started
    real = int(split.lengths.sum())
    runtime = float(output.metrics.get("train_runtime", wall))
    return {
        "real": real,
        "steps": int(output.global_step),
        "step_s": runtime,
        "wall_s": wall,
        "tok_s": real / runtime,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=300, help="train rows in the timed runs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for every timed run")
    parser.add_argument("--repeats", type=int, default=2, help="rounds of the three timed runs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    OUT.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    shards = make_shards()
    shard_seconds = time.perf_counter() - started
    manifest = read_manifest(shards)
    split = load_split(shards, manifest, "train")
    table = efficiency_table(split)
    for name, value, batches in table:
        print(f"{name:50s} {value:7.2%}  ({batches} batches)")

    subset = subset_shards(shards, args.rows)
    batch_rows = matched_batch_rows(subset)
    runs: dict[str, list[dict[str, Any]]] = {}
    contenders = (
        (
            f"transformers Trainer + DataCollatorForSeq2Seq, group_by_length, {batch_rows} rows/batch "
            "(tokens per step matched to winnow bucketed)",
            lambda: run_trainer_baseline(subset, batch_rows),
        ),
        (f"winnow bucketed (<= {BUDGET // 2} tokens/batch)", lambda: run_winnow(subset, packing=False)),
        (
            f"winnow packed (2 packs of <= {BUDGET // 4} tokens/batch, SDPA block mask)",
            lambda: run_winnow(subset, packing=True),
        ),
    )
    # Rounds alternate the contenders, so a change in the machine's load hits all of them alike.
    for _ in range(args.repeats):
        for name, fn in contenders:
            result = fn()
            result["load"] = os.getloadavg()[0]
            runs.setdefault(name, []).append(result)
            print(name, result)
    write_results(split, table, runs, args, shard_seconds)


def write_results(
    split: Split,
    table: list[tuple[str, float, int]],
    runs: dict[str, list[dict[str, Any]]],
    args: Any,
    shard_seconds: float,
) -> None:
    median = {name: float(np.median([r["tok_s"] for r in rs])) for name, rs in runs.items()}
    baseline = next(iter(median.values()))
    lengths = split.lengths
    lines = [
        "# Trainer: padding efficiency and throughput (bench/train.py)",
        "",
        f"Data: {', '.join(INPUTS)} read with `read_corpus`, 90/10 split, sharded by the real `winnow shard` "
        f"(stories260K tokenizer, template `plain`, max_len 512, truncate) in {shard_seconds:.1f} s: "
        f"{len(split):,} train rows, {int(lengths.sum()):,} tokens, length mean {lengths.mean():.0f}, "
        f"median {np.median(lengths):.0f}, max {lengths.max()}.",
        "",
        f"## Padding efficiency (real tokens / computed tokens), one epoch, token budget {BUDGET}",
        "",
        "| plan | efficiency | micro-batches |",
        "|---|---:|---:|",
        *[f"| {name} | {value:.2%} | {n:,} |" for name, value, n in table],
        "",
        "Goals: bucketed >= 97%, packed >= 99%. With one pack per micro-batch nothing is padded (100% by",
        "construction); with several shorter packs per micro-batch the packs are padded to the longest pack.",
        "The fill lines say how full a pack of fixed size would be (what matters where shapes must be static).",
        "",
        f"## Real (non-pad) tokens/s, CPU, stories260K + LoRA r=16 all-linear, {args.rows} train rows, 1 epoch",
        "",
        "| run | real tokens | optimizer steps | real tokens per step | real tokens/s (median) | vs baseline | each round: tokens/s (load avg), vs that round's baseline |",
        "|---|---:|---:|---:|---:|---:|---|",
        *[
            f"| {name} | {rs[0]['real']:,} | {rs[0]['steps']} | {rs[0]['real'] / rs[0]['steps']:,.0f} "
            f"| {median[name]:,.0f} | {median[name] / baseline:.2f}x | "
            + ", ".join(
                f"{r['tok_s']:,.0f} ({r['load']:.1f}) {r['tok_s'] / base['tok_s']:.2f}x"
                for r, base in zip(rs, next(iter(runs.values())), strict=True)
            )
            + " |"
            for name, rs in runs.items()
        ],
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs (load varies), torch "
        f"{torch.__version__}, {args.threads} torch thread(s) for every run; timings are noisy. winnow's seconds",
        "are the sum of its step times (collate, forward, backward, optimizer); the baseline's is Trainer's",
        "train_runtime. Load avg = the machine's 1-minute load average after the run (2 cores; >2 means contention).",
        "Goal: >= 1.5x the baseline on CPU. The baseline groups rows by length too (`group_by_length=True`),",
        "at the same tokens per step, so what is left is winnow's tighter buckets and the framework overhead",
        "per step. Packing is slower than bucketing here: the SDPA/eager path computes",
        "attention over the whole pack through a block-diagonal mask (quadratic in the pack length), which",
        "dominates for a 64-wide model; flash-attention varlen on a GPU has no such cost.",
        "",
        "GPU: no GPU machine was lent to this task (the device `status` said can_start_another: false), so the",
        "bf16 ~0.5B Qwen2-style comparison (tokens/s, peak memory) was not run.",
        "",
    ]
    history.write_results(RESULTS, "\n".join(lines))  # the hand-written history below the marker is kept
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
