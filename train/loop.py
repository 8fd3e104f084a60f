"""The training loop, top to bottom: load -> model + LoRA -> batches -> step -> eval -> checkpoint.

    from winnow.trainer.loop import train
    train(Path("shards"), "path/to/model", load_config(None, ["loop.max_steps=50"]), Path("out"))

Output folder: the final adapter (adapter_model.safetensors + adapter_config.json) with the tokenizer and
chat template it was trained with, train_config.yaml (what ran), metrics.jsonl, report.html, best/ (the
adapter with the lowest eval loss) and checkpoints/last/ (everything --resume needs).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from rich.console import Console

from winnow.curation.errors import WinnowError
from winnow.trainer.batching import (
    Batch,
    collate_flat,
    collate_packed,
    collate_padded,
    plan_batches,
    plan_packs,
)
from winnow.trainer.config import TrainConfig
from winnow.trainer.distributed import World, init_world, pick_device, shard_for_rank
from winnow.trainer.lora import add_lora, count_parameters, quantization_config
from winnow.trainer.loss import accumulate, evaluate
from winnow.trainer.model import check_packing, load_model, resolve
from winnow.trainer.model_card import write_model_card
from winnow.trainer.progress import MetricsLog, TrainProgress
from winnow.trainer.report import write_train_report
from winnow.trainer.run_files import copy_tokenizer, same_config, write_resolved
from winnow.trainer.schedule import make_optimizer, make_scheduler
from winnow.trainer.shards import (
    Split,
    check_fingerprint,
    describe_accounting,
    load_shard_tokenizer,
    load_split,
    read_manifest,
    shard_accounting,
)

StepHook = Callable[[int, dict[str, Any]], None]


@dataclass
class RunResult:
    out_dir: Path
    steps: int
    last_loss: float
    best_eval: float | None


def epoch_plan(
    split: Split, cfg: TrainConfig, epoch: int, world: World, shuffle: bool, drop_tail: bool = True
) -> list[Any]:
    """This rank's micro-batches (row indices) for one epoch; the same on every resume."""
    d = cfg.data
    plan: list[Any]
    if d.packing:
        plan = plan_packs(
            split,
            max_tokens=d.max_tokens,
            seed=cfg.loop.seed,
            epoch=epoch,
            shuffle=shuffle,
            pack_window=d.pack_window,
            pack_length=d.pack_length,
        )
    else:
        plan = plan_batches(
            split,
            max_tokens=d.max_tokens,
            max_rows=d.max_rows,
            seed=cfg.loop.seed,
            epoch=epoch,
            shuffle=shuffle,
            sort_window=d.sort_window,
        )
    return shard_for_rank(plan, world, drop_tail=drop_tail)


COLLATE: dict[str, Callable[[Split, Any, int], Batch]] = {
    "padded": lambda split, item, pad_id: collate_padded(split, item, pad_id),
    "packed": lambda split, item, pad_id: collate_packed(split, item, pad_id),
    "flat": lambda split, item, _pad_id: collate_flat(split, item),
}


def batch_layout(packing: bool, kept_apart_by: str | None) -> str:
    """How micro-batches are collated: padded rows, one padded row per pack (a block mask keeps the rows of
    a pack apart), or, where flash-attention keeps them apart by position ids, every pack in one row."""
    if not packing:
        return "padded"
    return "flat" if kept_apart_by == "position_ids" else "packed"


def collate(split: Split, item: Any, layout: str, pad_id: int) -> Batch:
    """A micro-batch: row indices (padded) or a list of packs of row indices (packed, flat)."""
    return COLLATE[layout](split, item, pad_id)


# A run's eval batches when loop.eval_max_batches is 0 (auto): the whole eval split, but never more
# micro-batches than the run trains, and at least this many. A 20-step smoke test on a corpus whose val split
# holds hundreds of batches otherwise spends most of its time evaluating (twice: step 0 and the end).
SHORT_RUN_EVAL_MIN = 8


def eval_cap(cfg: TrainConfig, total_steps: int) -> int:
    """How many eval micro-batches each evaluation reads: loop.eval_max_batches when set, else
    max(SHORT_RUN_EVAL_MIN, the run's micro-batches = total_steps x grad_accum)."""
    if cfg.loop.eval_max_batches:
        return cfg.loop.eval_max_batches
    return max(SHORT_RUN_EVAL_MIN, total_steps * cfg.optim.grad_accum)


def train(
    shard_dir: Path,
    model_path: str,
    cfg: TrainConfig,
    out_dir: Path,
    *,
    resume: bool = False,
    console: Console | None = None,
    on_step: StepHook | None = None,
) -> RunResult:
    world = init_world()
    device = pick_device(world)
    console = console or Console(stderr=True)
    say = console.print if world.is_main else (lambda *a, **k: None)
    out_dir = Path(out_dir)
    if not resume and (out_dir / "checkpoints" / "last").exists():
        raise WinnowError(
            "this folder already holds a training run",
            where=str(out_dir),
            hint="pass --resume, or choose another -o",
        )
    out_dir.mkdir(parents=True, exist_ok=True)

    # --- load: shards and the tokenizer they were made with ---
    manifest = read_manifest(shard_dir)
    tokenizer = load_shard_tokenizer(shard_dir, manifest)
    if Path(model_path).is_dir() and any(Path(model_path).glob("tokenizer*.json")):
        from transformers import AutoTokenizer

        # The model's own tokenizer must tokenize like the shards' one; the chat template may differ
        # (shards can use a built-in template), so compare with the shards' template put in place.
        own = AutoTokenizer.from_pretrained(model_path)
        own.chat_template = tokenizer.chat_template
        check_fingerprint(own, manifest, f"{model_path} (the model's tokenizer)")
    train_split = load_split(shard_dir, manifest, cfg.data.train_split)
    eval_split = (
        load_split(shard_dir, manifest, cfg.data.eval_split)
        if cfg.data.eval_split in manifest["splits"]
        else None
    )
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (tokenizer.eos_token_id or 0)
    accounting = shard_accounting(manifest)  # what the shards left out: into metrics.jsonl and the report
    say(f"shards: {describe_accounting(accounting)} by `winnow shard`")
    say(
        f"shards: {len(train_split):,} train rows, {train_split.trainable_tokens:,} trainable tokens; "
        + (
            f"{len(eval_split):,} eval rows"
            if eval_split
            else f"no {cfg.data.eval_split!r} split: no evaluation"
        )
    )

    # --- model + LoRA (seeded so the adapter's initial weights are reproducible) ---
    resolved = resolve(cfg.model, device)
    torch.manual_seed(cfg.loop.seed)
    model_ref = str(Path(model_path).resolve()) if Path(model_path).is_dir() else model_path
    model = load_model(model_ref, cfg.model, resolved, quantization_config(cfg.lora, resolved.dtype))
    vocab = model.get_input_embeddings().num_embeddings
    if int(train_split.tokens.max()) >= vocab:
        raise WinnowError(
            f"shard token id {int(train_split.tokens.max())} >= model vocabulary {vocab}", where=model_path
        )
    how = check_packing(model) if cfg.data.packing else None
    layout = batch_layout(cfg.data.packing, how)
    if how is not None:
        say(
            "packing: rows kept apart by "
            + (
                "restarting position ids (varlen): each micro-batch's packs joined in one row"
                if layout == "flat"
                else "a block-diagonal mask"
            )
        )
    model = add_lora(model, cfg.lora)
    trainable, total = count_parameters(model)
    say(
        f"model: {model_ref} on {device} in {str(resolved.dtype).removeprefix('torch.')}, "
        f"attention {resolved.attn_implementation}; LoRA trains {trainable:,} of {total:,} parameters "
        f"({100 * trainable / total:.3f}%)"
    )
    core = model
    if world.size > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    model.train()

    # --- batches and schedule ---
    plan0 = epoch_plan(train_split, cfg, 0, world, cfg.data.shuffle)
    if not plan0:
        raise WinnowError("too few batches for the number of ranks", where=str(shard_dir))
    # Plans differ a little between epochs (other shuffles, other packs): count each epoch's steps.
    per_epoch = [math.ceil(len(plan0) / cfg.optim.grad_accum)] + [
        math.ceil(len(epoch_plan(train_split, cfg, e, world, cfg.data.shuffle)) / cfg.optim.grad_accum)
        for e in range(1, cfg.loop.epochs if not cfg.loop.max_steps else 0)
    ]
    total_steps = cfg.loop.max_steps or sum(per_epoch)
    optimizer = make_optimizer(core, cfg.optim, device)
    scheduler = make_scheduler(optimizer, cfg.schedule, total_steps)
    eval_batches: list[Batch] = []
    if eval_split is not None:
        eval_plan = epoch_plan(eval_split, cfg, 0, world, shuffle=False, drop_tail=False)
        cap = eval_cap(cfg, total_steps)
        if cap < len(eval_plan):
            say(
                f"eval: {cap:,} of {len(eval_plan):,} eval micro-batches"
                + (
                    f" (a short run of {total_steps:,} steps evaluates on at most max({SHORT_RUN_EVAL_MIN}, "
                    "its micro-batches); set loop.eval_max_batches to choose)"
                    if not cfg.loop.eval_max_batches
                    else " (loop.eval_max_batches)"
                )
            )
        eval_batches = [collate(eval_split, rows, layout, pad_id) for rows in eval_plan[:cap]]
    say(
        f"batches: {len(plan0):,} micro-batches/epoch/rank ({'packed' if cfg.data.packing else 'bucketed'}, "
        f"<= {cfg.data.max_tokens:,} tokens), accumulation {cfg.optim.grad_accum}, {world.size} rank(s): "
        f"{total_steps:,} optimizer steps"
    )

    # --- resume ---
    state: dict[str, Any] = {
        "step": 0,
        "epoch": 0,
        "batch_index": 0,
        "best_eval": None,
        "best_step": None,
        "config": cfg.to_dict(),
    }
    last_dir = out_dir / "checkpoints" / "last"
    if resume:
        state = _load_state(last_dir, core, optimizer, scheduler, state)
        same_config(state["config"], cfg.to_dict(), last_dir)
        say(
            f"resumed from {last_dir} at step {state['step']} (epoch {state['epoch']}, batch {state['batch_index']})"
        )
    if world.is_main:
        write_resolved(out_dir, cfg, shard_dir, model_ref, resolved, world)
        copy_tokenizer(shard_dir, out_dir)
    metrics = (
        MetricsLog(out_dir / "metrics.jsonl", state["step"] if resume else None) if world.is_main else None
    )

    if metrics and not resume:
        # where the rows came from, so the report links back to the shards and the curated run
        kept = (manifest.get("input") or {}).get("kept")
        # (kept is as `winnow shard` was given it: resolved here when it names a file from this folder)
        kept_file = Path(kept).resolve() if kept and Path(kept).is_file() else kept
        where = {"shard_dir": str(Path(shard_dir).resolve()), "kept": str(kept_file) if kept_file else None}
        metrics.write({"kind": "shards", "step": 0, **accounting, **where})

    # --- the loop ---
    last_loss = float("nan")
    with TrainProgress(console, total_steps, state["step"], enabled=world.is_main) as progress:
        if eval_batches and state["step"] == 0:
            # The curve starts at the untrained adapter (LoRA B = 0: the base model's own eval loss).
            # evaluation runs on the unwrapped model: no DDP buffer sync, so ranks may hold unequal eval batches
            start_loss = evaluate(
                core, eval_batches, world, device, resolved.dtype, progress.eval_batches(0, len(eval_batches))
            )
            say(f"step 0: eval loss {start_loss:.4f}")
            if metrics:
                metrics.write({"kind": "eval", "step": 0, "eval_loss": start_loss})
        started = time.perf_counter()
        while state["step"] < total_steps:
            plan = epoch_plan(train_split, cfg, state["epoch"], world, cfg.data.shuffle)
            while state["batch_index"] < len(plan) and state["step"] < total_steps:
                rows = plan[state["batch_index"] : state["batch_index"] + cfg.optim.grad_accum]
                t0 = time.perf_counter()  # step time includes collation, as a DataLoader's would
                micro = [collate(train_split, r, layout, pad_id) for r in rows]
                loss, step_tokens = accumulate(model, micro, world, device, resolved.dtype)
                grad_norm = torch.nn.utils.clip_grad_norm_(
                    [p for p in core.parameters() if p.requires_grad], cfg.optim.max_grad_norm or float("inf")
                )
                lr = scheduler.get_last_lr()[0]
                if step_tokens:
                    optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                seconds = time.perf_counter() - t0
                state["batch_index"] += len(rows)
                state["step"] += 1
                # epochs really run (max_steps may stop mid-epoch): what the report shows, not loop.epochs
                epochs_done = state["epoch"] + state["batch_index"] / len(plan)
                last_loss = loss
                real = world.all_sum(float(sum(b.real_tokens for b in micro)), device)
                computed = world.all_sum(float(sum(b.computed_tokens for b in micro)), device)
                record = {
                    "kind": "train",
                    "step": state["step"],
                    "epoch": state["epoch"],
                    "epochs_done": epochs_done,
                    "loss": loss,
                    "lr": lr,
                    "grad_norm": float(grad_norm),
                    "real_tokens": int(real),
                    "computed_tokens": int(computed),
                    "trained_tokens": step_tokens,
                    "padding_efficiency": real / computed if computed else 1.0,
                    "tokens_per_s": real / seconds if seconds else 0.0,
                    "seconds": seconds,
                    "elapsed": time.perf_counter() - started,
                }
                if metrics:
                    metrics.write(record)
                progress.update(record)
                finished = state["step"] >= total_steps
                if eval_batches and (state["step"] % cfg.loop.eval_every == 0 or finished):
                    eval_loss = evaluate(
                        core,
                        eval_batches,
                        world,
                        device,
                        resolved.dtype,
                        progress.eval_batches(state["step"], len(eval_batches)),
                    )
                    if metrics:
                        metrics.write({"kind": "eval", "step": state["step"], "eval_loss": eval_loss})
                    progress.note(f"step {state['step']}: eval loss {eval_loss:.4f}")
                    if state["best_eval"] is None or eval_loss < state["best_eval"]:
                        state["best_eval"], state["best_step"] = eval_loss, state["step"]
                        if world.is_main:
                            core.save_pretrained(str(out_dir / "best"), safe_serialization=True)
                            copy_tokenizer(shard_dir, out_dir / "best")
                if world.is_main and (state["step"] % cfg.loop.save_every == 0 or finished):
                    from winnow.trainer.checkpoint import save_checkpoint

                    save_checkpoint(last_dir, core, optimizer, scheduler, state)
                world.barrier()
                if on_step:
                    on_step(state["step"], record)
            if state["batch_index"] >= len(plan):
                state["epoch"] += 1
                state["batch_index"] = 0

    # --- the adapter, beside what ran and how it went ---
    if world.is_main:
        core.save_pretrained(str(out_dir), safe_serialization=True)
        write_model_card(out_dir)  # over PEFT's empty template
        report = write_train_report(out_dir)
        say(
            f"adapter written to {out_dir}; report {report}; "
            + (
                f"best eval loss {state['best_eval']:.4f} at step {state['best_step']}"
                if state["best_eval"] is not None
                else "no evaluation"
            )
        )
    return RunResult(out_dir, state["step"], last_loss, state["best_eval"])


def _load_state(
    folder: Path, model: Any, optimizer: Any, scheduler: Any, default: dict[str, Any]
) -> dict[str, Any]:
    from winnow.trainer.checkpoint import load_checkpoint

    state = load_checkpoint(folder, model, optimizer, scheduler)
    return {**default, **state}
