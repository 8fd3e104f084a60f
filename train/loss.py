"""Token-weighted loss over a whole optimizer step.

The step's loss is sum(cross-entropy over every trainable token of every micro-batch on every rank)
divided by the number of those tokens, counted before any backward pass. Each micro-batch therefore
backpropagates sum_ce / step_tokens (times world size, because DDP averages gradients over ranks), so
batch 8 x accumulation 1, batch 1 x accumulation 8, and packed vs padded give the same loss and gradients.
A per-micro-batch mean (what a naive loop does) would weight a short answer's tokens more than a long one's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from winnow.curation.errors import WinnowError
from winnow.trainer.batching import Batch, block_diagonal_mask
from winnow.trainer.distributed import World
from winnow.trainer.shards import IGNORE


def forward_sum(model: Any, batch: Batch, dtype: torch.dtype) -> torch.Tensor:
    """Sum (not mean) of the cross-entropy over the batch's targets, computed in fp32."""
    if batch.segment_ids is not None:
        # Packed: flash-attention reads the row boundaries from position_ids (mask None), and only at batch
        # size 1 (collate_flat); SDPA / eager get the block-diagonal mask.
        core = model.module if isinstance(model, torch.nn.parallel.DistributedDataParallel) else model
        backend = str(getattr(core.config, "_attn_implementation", "eager"))
        if backend.startswith("flash") and batch.segment_ids.shape[0] > 1:
            raise WinnowError(
                f"{backend} would attend across packed rows: it reads row boundaries from position ids only "
                f"at batch size 1, and this packed batch has {batch.segment_ids.shape[0]} packs",
                hint="collate packed batches for flash-attention with winnow.trainer.batching.collate_flat",
            )
        mask = None if backend.startswith("flash") else block_diagonal_mask(batch.segment_ids, dtype)
    else:
        mask = batch.attention_mask
    out = model(
        input_ids=batch.input_ids, position_ids=batch.position_ids, attention_mask=mask, use_cache=False
    )
    logits = out.logits
    return F.cross_entropy(
        logits.float().reshape(-1, logits.shape[-1]),
        batch.targets.reshape(-1),
        ignore_index=IGNORE,
        reduction="sum",
    )


def accumulate(
    model: Any, micro_batches: list[Batch], world: World, device: torch.device, dtype: torch.dtype
) -> tuple[float, int]:
    """Backward over the micro-batches of one step; returns (step loss, step trainable tokens)."""
    local_tokens = sum(b.trainable_tokens for b in micro_batches)
    step_tokens = int(world.all_sum(float(local_tokens), device))
    if step_tokens == 0:
        return 0.0, 0
    loss_sum = 0.0
    for index, batch in enumerate(micro_batches):
        last = index == len(micro_batches) - 1
        sync = contextlib.nullcontext() if last or not hasattr(model, "no_sync") else model.no_sync()
        with sync:
            total = forward_sum(model, batch.to(device), dtype)
            (total * (world.size / step_tokens)).backward()
        loss_sum += float(total.detach())
    return world.all_sum(loss_sum, device) / step_tokens, step_tokens


@torch.no_grad()
def evaluate(
    model: Any,
    batches: list[Batch],
    world: World,
    device: torch.device,
    dtype: torch.dtype,
    on_batch: Callable[[int, int], None] | None = None,
) -> float:
    """Token-weighted mean cross-entropy over the given (rank-local) batches, summed over ranks.

    `on_batch(done, total)` is called after each batch: a large eval split takes minutes, and a person
    watching the terminal must see that it moves (issue 20).
    """
    was_training = model.training
    model.eval()
    loss_sum, tokens = 0.0, 0
    for done, batch in enumerate(batches, 1):
        loss_sum += float(forward_sum(model, batch.to(device), dtype))
        tokens += batch.trainable_tokens
        if on_batch is not None:
            on_batch(done, len(batches))
    if was_training:
        model.train()
    total_tokens = world.all_sum(float(tokens), device)
    return world.all_sum(loss_sum, device) / total_tokens if total_tokens else float("nan")
