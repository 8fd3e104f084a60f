"""Mean token loss of each labelled sequence, batched by length: the per-row value of `model(ids, labels).loss`.

Sequences are sorted by length and cut into batches of at most `max_tokens` padded tokens
(`winnow.trainer.batching.greedy_batches`, the trainer's own cut), so a batch pads to a length close to its
rows' own. The loss is Hugging Face's: logits in fp32, targets shifted by one, cross-entropy averaged over the
row's labelled tokens. What keeps the work per row below a per-row forward's:

- Padding is on the right and no padding mask is passed: in a causal model a real token never sees a later
  (padding) token and keeps its position, so each row's loss equals the unpadded forward's, and a batch
  without a shared prefix runs the causal kernel instead of a masked one (a padding mask cost ~15% of the CPU
  time on stories260K).
- The tokens every row of a batch starts with (the chat template's scaffolding: a default system line, the
  first header; for the reply-alone pass everything up to the reply) run once, and the rows continue from that
  prefix's key/value cache. On the alpaca template that is 36% of all tokens (bench/semantic.py). The prefix's
  one-row cache is kept for the whole call and copied into each batch that starts with the same tokens (with
  one template, every batch). A model whose forward takes no cache is scored without it; the first shared
  batch of every call is checked against an unshared forward of its first row, and a model whose cache does
  not reproduce it (to 1e-4) is scored unshared from then on.
- The rows that continue a cache are given their causal mask as one (1, 1, rows' length, prefix + length)
  float tensor, built once per shape: left to itself, transformers builds a boolean mask per row and SDPA
  converts it to floats in every layer (~10% of the CPU time on stories260K). Models with sliding-window
  layers get transformers' own masks (one mask would not describe both kinds of layer).
- Logits are computed only from the first labelled position on (`logits_to_keep`): the prompt's positions
  predict nothing that is scored, and for large vocabularies the logits are most of a forward's memory. The
  cross-entropy then runs on the labelled positions alone, gathered into one contiguous (tokens, vocabulary)
  block (on a (rows, vocabulary, positions) view it took a strided path, ~2x slower, and computed the
  unlabelled positions too).

A batch pads to a multiple of PAD_MULTIPLE tokens, to bound the number of distinct tensor shapes (CPU kernels
are prepared once per shape). A batch's logits are rows x kept positions x vocabulary floats; `max_tokens` is
lowered for large vocabularies so that they stay under LOGITS_BUDGET elements (2 GiB in fp32). A row longer
than that goes alone.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from winnow.curation.shard.labels import IGNORE
from winnow.trainer.batching import greedy_batches

LOGITS_BUDGET = 1 << 29
PAD_MULTIPLE = 16
MIN_SHARED = 16  # a shorter common prefix is not worth its own forward
SHARED_CHECK_TOLERANCE = 1e-4
TokenRow = tuple[Sequence[int], Sequence[int]]  # (input_ids, labels)


def token_budget(max_tokens: int, vocab_size: int) -> int:
    return max(1, min(max_tokens, LOGITS_BUDGET // max(1, vocab_size)))


def _takes(model: Any, name: str) -> bool:
    return name in inspect.signature(model.forward).parameters


def cache_argument(model: Any) -> str | None:
    """The forward's key/value-cache argument: `cache` since transformers 5.x, `past_key_values` before."""
    return next((name for name in ("cache", "past_key_values") if _takes(model, name)), None)


def _first_targets(labels: list[np.ndarray]) -> np.ndarray:
    """Per row, the first position whose logits are scored (it predicts the first labelled token); the
    row's length when nothing is labelled."""
    out = np.empty(len(labels), dtype=np.int64)
    for i, row in enumerate(labels):
        scored = np.flatnonzero(row[1:] != IGNORE)
        out[i] = scored[0] if scored.size else len(row)
    return out


def shared_prefix(ids: list[np.ndarray], first_targets: np.ndarray) -> int:
    """How many leading tokens all rows share, short of every row's first scored position."""
    limit = int(min(first_targets.min(), min(len(row) for row in ids) - 1))
    first = ids[0][:limit]
    for row in ids[1:]:
        differ = np.flatnonzero(row[:limit] != first[:limit])
        if differ.size:
            limit = int(differ[0])
    return max(0, limit)


def _prefix_cache(model: Any, argument: str, prefix: np.ndarray, device: torch.device) -> Any:
    """The key/value cache of one row holding `prefix`."""
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    model(input_ids=torch.from_numpy(prefix)[None].to(device), use_cache=True, **{argument: cache})
    return cache


def _one_mask_fits(config: Any) -> bool:
    """Whether one causal mask serves every layer: no sliding-window layers."""
    layer_types = getattr(config, "layer_types", None) or ()
    sliding = getattr(config, "sliding_window", None) and getattr(config, "use_sliding_window", True)
    return not sliding and all(kind == "full_attention" for kind in layer_types)


class _Prefixes:
    """Per call: the one-row cache of the shared prefix last seen, and causal masks by shape."""

    def __init__(self, model: Any, argument: str, device: torch.device) -> None:
        self.model, self.argument, self.device = model, argument, device
        self.tokens: bytes | None = None
        self.cache: Any = None
        self.masks: dict[tuple[int, int], torch.Tensor] = {}
        self.explicit_mask = _one_mask_fits(model.config)
        self.dtype = next(model.parameters()).dtype

    def cache_for(self, prefix: np.ndarray, rows: int) -> Any:
        """A cache of `rows` rows holding `prefix`, the prefix run once per distinct prefix."""
        if prefix.tobytes() != self.tokens:
            self.tokens, self.cache = (
                prefix.tobytes(),
                _prefix_cache(self.model, self.argument, prefix, self.device),
            )
        cache = copy.deepcopy(self.cache)  # the batch's forward appends to its cache
        cache.batch_repeat_interleave(rows)
        return cache

    def mask(self, shared: int, length: int) -> torch.Tensor | None:
        """(1, 1, length, shared + length) additive mask: position t of the batch sees the prefix and 0..t."""
        if not self.explicit_mask:
            return None
        mask = self.masks.get((shared, length))
        if mask is None:
            seen = torch.ones(length, shared + length, dtype=torch.bool, device=self.device).tril(shared)
            mask = torch.zeros(seen.shape, dtype=self.dtype, device=self.device)
            mask = mask.masked_fill_(~seen, torch.finfo(self.dtype).min)[None, None]
            self.masks[(shared, length)] = mask
        return mask


def _batch_means(
    model: Any,
    ids: list[np.ndarray],
    labels: list[np.ndarray],
    first_targets: np.ndarray,
    *,
    shared: int,
    prefixes: _Prefixes | None,
    keep_logits: bool,
    pad_id: int,
    device: torch.device,
) -> list[float]:
    """Mean loss per row of one batch; the first `shared` tokens (common to all rows) run once."""
    longest = max(len(row) for row in ids) - shared
    longest = -(-longest // PAD_MULTIPLE) * PAD_MULTIPLE
    input_ids = np.full((len(ids), longest), pad_id, dtype=np.int64)
    targets = np.full((len(ids), longest), IGNORE, dtype=np.int64)
    for b, (row_ids, row_labels) in enumerate(zip(ids, labels, strict=True)):
        n = len(row_ids) - shared
        input_ids[b, :n] = row_ids[shared:]
        targets[b, : n - 1] = row_labels[shared + 1 :]  # position t predicts t+1
    kwargs: dict[str, Any] = {"use_cache": False}
    if shared and prefixes is not None:
        kwargs = {"use_cache": True, prefixes.argument: prefixes.cache_for(ids[0][:shared], len(ids))}
        mask = prefixes.mask(shared, longest)
        if mask is not None:
            kwargs["attention_mask"] = mask
    kept = longest
    if keep_logits:
        kept = max(1, longest - (int(first_targets.min()) - shared))  # 0 would mean every position
        kwargs["logits_to_keep"] = kept
    logits = model(input_ids=torch.from_numpy(input_ids).to(device), **kwargs).logits
    kept_targets = torch.from_numpy(targets[:, longest - kept :]).to(device)
    scored = kept_targets != IGNORE
    losses = F.cross_entropy(logits[scored].float(), kept_targets[scored], reduction="none")
    sums = torch.zeros(len(ids), dtype=losses.dtype, device=device)
    sums.index_add_(0, scored.nonzero()[:, 0], losses)  # row-major gather: the rows' own positions
    counts = scored.sum(dim=1)
    means = (sums / counts.clamp(min=1)).tolist()
    return [mean if int(count) else float("nan") for mean, count in zip(means, counts.tolist(), strict=True)]


def _close(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or abs(a - b) <= SHARED_CHECK_TOLERANCE * max(1.0, abs(b))


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
    ids = [np.asarray(row_ids, dtype=np.int64) for row_ids, _ in sequences]
    labels = [np.asarray(row_labels, dtype=np.int64) for _, row_labels in sequences]
    first_targets = _first_targets(labels)
    lengths = np.array([len(row) for row in ids], dtype=np.int64)
    order = np.argsort(lengths, kind="stable").tolist()
    vocab = getattr(model.config, "vocab_size", None) or model.get_output_embeddings().weight.shape[0]
    budget = token_budget(max_tokens, int(vocab))
    device = next(model.parameters()).device
    keep_logits = _takes(model, "logits_to_keep")
    cache_name = cache_argument(model)
    prefixes = None if cache_name is None else _Prefixes(model, cache_name, device)
    can_share, checked = prefixes is not None, False
    score = partial(
        _batch_means, model, prefixes=prefixes, keep_logits=keep_logits, pad_id=pad_id, device=device
    )
    done = 0
    for rows in greedy_batches(order, lengths, budget):
        batch_ids, batch_labels, batch_firsts = (
            [ids[r] for r in rows],
            [labels[r] for r in rows],
            first_targets[rows],
        )
        shared = shared_prefix(batch_ids, batch_firsts) if can_share else 0
        shared = shared if shared >= MIN_SHARED else 0
        means = score(batch_ids, batch_labels, batch_firsts, shared=shared)
        if shared and not checked:
            checked = True
            alone = score(batch_ids[:1], batch_labels[:1], batch_firsts[:1], shared=0)
            if not _close(means[0], alone[0]):
                can_share = False
                means = score(batch_ids, batch_labels, batch_firsts, shared=0)
        for row, mean in zip(rows, means, strict=True):
            out[row] = mean
        done += len(rows)
        if progress is not None:
            progress(done)
    return out
