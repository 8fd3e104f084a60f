"""Batches from the length buckets: a token budget per micro-batch, padding only to the batch's longest.

Two plans, both deterministic in (seed, epoch):
- `plan_batches`: rows shuffled inside their bucket, sorted by length inside windows of `sort_window` rows,
  cut greedily so that rows x longest <= max_tokens; then the batches of all buckets are shuffled together.
- `plan_packs`: padding-free packing; inside each window of `pack_window` shuffled rows, best-fit-decreasing
  into packs of at most `pack_length` tokens; packs of all windows shuffled together, then grouped
  max_tokens // pack_length packs per micro-batch. Shorter packs than the whole budget keep the cost of
  mask-based attention (quadratic in the pack length) near that of the rows themselves.

Packed micro-batches are collated two ways, by how the attention backend keeps rows apart:
- `collate_packed` (SDPA, eager): one padded row per pack, (B, L), with segment ids for the block mask.
- `collate_flat` (flash-attention): every row of every pack in ONE row, (1, L), no padding. Transformers reads
  the row boundaries (cu_seqlens) from restarting position ids only at batch size 1; with several packs in a
  (B, L) batch it would attend across the rows of a pack. Flash-attention's cost is per row, so joining the
  packs costs nothing.

Targets are shifted per row before rows are joined (targets[t] = labels[t+1], last = -100), so no
position ever predicts a token of another row and the first token of every packed row is never a target.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from winnow.trainer.shards import IGNORE, Split


@dataclass
class Batch:
    """One micro-batch as tensors. Padded: attention_mask is (B, L) 0/1. Packed: segment_ids (1, L)."""

    input_ids: torch.Tensor
    targets: torch.Tensor
    position_ids: torch.Tensor
    attention_mask: torch.Tensor | None
    segment_ids: torch.Tensor | None
    real_tokens: int
    computed_tokens: int
    trainable_tokens: int
    rows: int

    def to(self, device: torch.device) -> Batch:
        def move(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(device, non_blocking=True)

        return Batch(
            self.input_ids.to(device),
            self.targets.to(device),
            self.position_ids.to(device),
            move(self.attention_mask),
            move(self.segment_ids),
            self.real_tokens,
            self.computed_tokens,
            self.trainable_tokens,
            self.rows,
        )


def _rng(seed: int, epoch: int) -> np.random.Generator:
    return np.random.default_rng([seed, epoch])


def greedy_batches(
    rows: list[int], lengths: np.ndarray, max_tokens: int, max_rows: int = 0
) -> list[list[int]]:
    """`rows` cut in their order into batches padded to their longest row: a batch closes when one more row
    would make rows x longest exceed max_tokens (or reach max_rows, when set); a longer row goes alone."""
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for row in rows:
        grown = max(longest, int(lengths[row]))
        too_many = max_rows and len(current) >= max_rows
        if current and (grown * (len(current) + 1) > max_tokens or too_many):
            batches.append(current)
            current, grown = [], int(lengths[row])
        current.append(row)
        longest = grown
    if current:
        batches.append(current)
    return batches


def plan_batches(
    split: Split,
    *,
    max_tokens: int,
    max_rows: int = 0,
    seed: int,
    epoch: int,
    shuffle: bool = True,
    sort_window: int = 1024,
) -> list[list[int]]:
    """Row-index lists, one per micro-batch; a row longer than max_tokens goes alone."""
    rng = _rng(seed, epoch)
    lengths = split.lengths
    batches: list[list[int]] = []
    for bucket in np.unique(split.bucket):
        rows = np.flatnonzero(split.bucket == bucket)
        if shuffle:
            rows = rng.permutation(rows)
        for start in range(0, len(rows), sort_window):
            window = rows[start : start + sort_window]
            window = window[np.argsort(lengths[window], kind="stable")]
            batches += greedy_batches(window.tolist(), lengths, max_tokens, max_rows)
    if shuffle:
        order = rng.permutation(len(batches))
        batches = [batches[i] for i in order]
    return batches


def plan_packs(
    split: Split,
    *,
    max_tokens: int,
    pack_length: int = 0,
    seed: int,
    epoch: int,
    shuffle: bool = True,
    pack_window: int = 2048,
) -> list[list[list[int]]]:
    """Micro-batches of best-fit-decreasing packs (each pack <= pack_length tokens, a longer row alone)."""
    capacity = pack_length or max_tokens
    rng = _rng(seed, epoch)
    lengths = split.lengths
    rows = rng.permutation(len(split)) if shuffle else np.arange(len(split))
    packs: list[list[int]] = []
    for start in range(0, len(rows), pack_window):
        window = rows[start : start + pack_window]
        window = window[np.argsort(-lengths[window], kind="stable")]
        bins: list[list[int]] = []
        free: list[tuple[int, int]] = []  # (room left, bin index), sorted: best fit = first with room >= n
        for row in window.tolist():
            n = int(lengths[row])
            at = bisect.bisect_left(free, (n, -1))
            if at < len(free):
                room, index = free.pop(at)
                bins[index].append(row)
                bisect.insort(free, (room - n, index))
            else:
                bins.append([row])
                bisect.insort(free, (max(capacity - n, 0), len(bins) - 1))
        packs.extend(bins)
    if shuffle:
        order = rng.permutation(len(packs))
        packs = [packs[i] for i in order]
    per_batch = max(1, max_tokens // capacity)
    return [packs[i : i + per_batch] for i in range(0, len(packs), per_batch)]


def _shifted(labels: np.ndarray) -> np.ndarray:
    targets = np.full(len(labels), IGNORE, dtype=np.int64)
    targets[:-1] = labels[1:]
    return targets


def collate_padded(split: Split, rows: list[int], pad_id: int) -> Batch:
    """Right-padded (B, L) batch, L = the longest row of this batch."""
    pairs = [split.row(i) for i in rows]
    longest = max(len(ids) for ids, _ in pairs)
    input_ids = torch.full((len(rows), longest), pad_id, dtype=torch.long)
    targets = torch.full((len(rows), longest), IGNORE, dtype=torch.long)
    attention = torch.zeros((len(rows), longest), dtype=torch.long)
    for b, (ids, labels) in enumerate(pairs):
        input_ids[b, : len(ids)] = torch.from_numpy(ids)
        targets[b, : len(ids)] = torch.from_numpy(_shifted(labels))
        attention[b, : len(ids)] = 1
    position_ids = torch.arange(longest).unsqueeze(0).expand(len(rows), -1).contiguous()
    real = sum(len(ids) for ids, _ in pairs)
    return Batch(
        input_ids,
        targets,
        position_ids,
        attention,
        None,
        real,
        longest * len(rows),
        int((targets != IGNORE).sum()),
        len(rows),
    )


def collate_packed(split: Split, packs: list[list[int]], pad_id: int) -> Batch:
    """(B, L): one packed row per pack, padded to the longest pack. Position ids restart at every row;
    segment ids tell rows apart (-1 = padding, which only sees padding)."""
    built = []
    for pack in packs:
        pairs = [split.row(i) for i in pack]
        built.append(
            (
                np.concatenate([p[0] for p in pairs]),
                np.concatenate([_shifted(p[1]) for p in pairs]),
                np.concatenate([np.arange(len(p[0])) for p in pairs]),
                np.concatenate([np.full(len(p[0]), s) for s, p in enumerate(pairs)]),
            )
        )
    longest = max(len(b[0]) for b in built)
    input_ids = torch.full((len(packs), longest), pad_id, dtype=torch.long)
    targets = torch.full((len(packs), longest), IGNORE, dtype=torch.long)
    positions = torch.arange(longest).repeat(len(packs), 1)
    segments = torch.full((len(packs), longest), -1, dtype=torch.long)
    for b, (ids, target, position, segment) in enumerate(built):
        n = len(ids)
        input_ids[b, :n] = torch.from_numpy(ids)
        targets[b, :n] = torch.from_numpy(target)
        positions[b, :n] = torch.from_numpy(position)
        positions[b, n:] = torch.arange(longest - n)  # padding: a row of its own, starting at 0
        segments[b, :n] = torch.from_numpy(segment)
    real = sum(len(b[0]) for b in built)
    return Batch(
        input_ids,
        targets,
        positions,
        None,
        segments,
        real,
        longest * len(packs),
        int((targets != IGNORE).sum()),
        sum(len(p) for p in packs),
    )


def collate_flat(split: Split, packs: list[list[int]]) -> Batch:
    """(1, L): every row of every pack joined, position ids restarting at every row (flash-attention's varlen
    boundaries), segment ids numbering the rows; no padding, no attention mask."""
    rows = [i for pack in packs for i in pack]
    pairs = [split.row(i) for i in rows]
    ids = torch.from_numpy(np.concatenate([p[0] for p in pairs])).unsqueeze(0)
    targets = torch.from_numpy(np.concatenate([_shifted(p[1]) for p in pairs])).unsqueeze(0)
    positions = torch.from_numpy(np.concatenate([np.arange(len(p[0])) for p in pairs])).unsqueeze(0)
    segments = torch.from_numpy(np.concatenate([np.full(len(p[0]), s) for s, p in enumerate(pairs)]))
    real = int(ids.shape[1])
    return Batch(
        ids.long(),
        targets.long(),
        positions.long(),
        None,
        segments.long().unsqueeze(0),
        real,
        real,
        int((targets != IGNORE).sum()),
        len(rows),
    )


def block_diagonal_mask(segment_ids: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(B, 1, L, L) additive mask: a token sees earlier tokens of its own row only (SDPA and eager)."""
    length = segment_ids.shape[-1]
    causal = torch.ones(length, length, dtype=torch.bool, device=segment_ids.device).tril()
    allowed = (segment_ids[:, :, None] == segment_ids[:, None, :]) & causal
    mask = torch.zeros(allowed.shape, dtype=dtype, device=segment_ids.device)
    return mask.masked_fill_(~allowed, torch.finfo(dtype).min).unsqueeze(1)


def padding_efficiency(plan: list[Any], lengths: np.ndarray, packed: bool) -> float:
    """Real tokens / computed tokens of a plan: rows x longest row, or packs x longest pack."""
    real, computed = 0, 0
    for batch in plan:
        sizes = [int(lengths[p].sum()) for p in batch] if packed else [int(x) for x in lengths[batch]]
        real += sum(sizes)
        computed += max(sizes) * len(sizes)
    return real / computed if computed else 1.0
