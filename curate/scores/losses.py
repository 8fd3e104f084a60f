"""Mean token loss of each labelled sequence, batched by length: the per-row value of `model(ids, labels).loss`.

Sequences are sorted by length and cut into batches of at most `max_tokens` padded tokens
(`winnow.trainer.batching.greedy_batches`, the trainer's own cut), so a batch pads to a length close to its
rows' own. Padding is on the right with an attention mask: a causal model's real tokens never see it and
keep their positions, so each row's loss equals the unpadded forward's. The loss is Hugging Face's: logits in
fp32, targets shifted by one, cross-entropy averaged over the row's labelled tokens.

A batch pads to a multiple of PAD_MULTIPLE tokens: the CPU kernels are prepared once per tensor shape, and
with a shape per batch (every length its own) that preparation cost more than the forward passes
(stories260K, 600 sequences in batches of <= 512 tokens: 55 s exact lengths, 5 s rounded to 64). The padded
length may pass `max_tokens` by less than PAD_MULTIPLE tokens per row.

A batch's logits are rows x longest x vocabulary floats; `max_tokens` is lowered for large vocabularies so
that they stay under LOGITS_BUDGET elements (2 GiB in fp32). A row longer than that goes alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from winnow.curation.shard.labels import IGNORE
from winnow.trainer.batching import greedy_batches

LOGITS_BUDGET = 1 << 29
PAD_MULTIPLE = 64
TokenRow = tuple[Sequence[int], Sequence[int]]  # (input_ids, labels)


def token_budget(max_tokens: int, vocab_size: int) -> int:
    return max(1, min(max_tokens, LOGITS_BUDGET // max(1, vocab_size)))


@torch.inference_mode()
def mean_losses(
    model: Any,
    sequences: list[TokenRow],
    *,
    max_tokens: int,
    pad_id: int,
    progress: Callable[[int], None] | None = None,
) -> list[float]:
    """Per sequence, the mean cross-entropy over its labelled tokens (nan where no token is labelled)."""
    out = [float("nan")] * len(sequences)
    if not sequences:
        return out
    lengths = np.array([len(ids) for ids, _ in sequences], dtype=np.int64)
    order = np.argsort(lengths, kind="stable").tolist()
    vocab = getattr(model.config, "vocab_size", None) or model.get_output_embeddings().weight.shape[0]
    budget = token_budget(max_tokens, int(vocab))
    device = next(model.parameters()).device
    done = 0
    for rows in greedy_batches(order, lengths, budget):
        longest = -(-int(lengths[rows].max()) // PAD_MULTIPLE) * PAD_MULTIPLE
        input_ids = torch.full((len(rows), longest), pad_id, dtype=torch.long)
        targets = torch.full((len(rows), longest), IGNORE, dtype=torch.long)
        attention = torch.zeros((len(rows), longest), dtype=torch.long)
        for b, row in enumerate(rows):
            ids, labels = sequences[row]
            n = len(ids)
            input_ids[b, :n] = torch.tensor(ids, dtype=torch.long)
            targets[b, : n - 1] = torch.tensor(labels[1:], dtype=torch.long)  # position t predicts t+1
            attention[b, :n] = 1
        logits = model(
            input_ids=input_ids.to(device), attention_mask=attention.to(device), use_cache=False
        ).logits
        targets = targets.to(device)
        losses = F.cross_entropy(
            logits.float().transpose(1, 2), targets, ignore_index=IGNORE, reduction="none"
        )
        counts = (targets != IGNORE).sum(dim=1)
        means = (losses.sum(dim=1) / counts.clamp(min=1)).tolist()
        for b, row in enumerate(rows):
            out[row] = means[b] if int(counts[b]) else float("nan")
        done += len(rows)
        if progress is not None:
            progress(done)
    return out
