"""train/batching.py: token-budget batches from buckets, packing, shifted targets, the block mask."""

from __future__ import annotations

import numpy as np
import torch

from tests.train.train_shardkit import split_from
from winnow.trainer.batching import (
    block_diagonal_mask,
    collate_flat,
    collate_packed,
    collate_padded,
    padding_efficiency,
    plan_batches,
    plan_packs,
)


def _split(n: int = 200, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, 120, size=n)
    pairs = [(list(range(1, k + 1)), [-100] * (k // 2) + list(range(k // 2 + 1, k + 1))) for k in lengths]
    buckets = [int(k // 32) for k in lengths]
    return split_from(pairs, buckets)


def test_batches_cover_every_row_once_within_budget_and_one_bucket() -> None:
    split = _split()
    plan = plan_batches(split, max_tokens=256, seed=1, epoch=0)
    rows = sorted(r for b in plan for r in b)
    assert rows == list(range(len(split)))
    for batch in plan:
        assert int(split.lengths[batch].max()) * len(batch) <= 256
        assert len(set(split.bucket[batch].tolist())) == 1


def test_batch_order_is_deterministic_per_epoch_and_changes_between_epochs() -> None:
    split = _split()
    first = plan_batches(split, max_tokens=256, seed=1, epoch=0)
    assert first == plan_batches(split, max_tokens=256, seed=1, epoch=0)
    assert first != plan_batches(split, max_tokens=256, seed=1, epoch=1)
    assert first != plan_batches(split, max_tokens=256, seed=2, epoch=0)


def test_max_rows_caps_a_batch_and_a_too_long_row_goes_alone() -> None:
    split = split_from([([1] * 10, [1] * 10)] * 7 + [([1] * 50, [1] * 50)])
    plan = plan_batches(split, max_tokens=40, max_rows=3, seed=0, epoch=0, shuffle=False)
    assert [len(b) for b in plan] == [3, 3, 1, 1]
    assert plan[-1] == [7]


def test_bucketed_batches_pad_far_less_than_random_order() -> None:
    split = _split(2000)
    bucketed = plan_batches(split, max_tokens=1024, seed=0, epoch=0)
    order = np.random.default_rng(0).permutation(len(split)).tolist()
    random_batches = [order[i : i + 8] for i in range(0, len(order), 8)]
    assert padding_efficiency(bucketed, split.lengths, packed=False) > 0.97
    assert padding_efficiency(random_batches, split.lengths, packed=False) < 0.75


def test_packs_are_best_fit_decreasing_within_the_budget() -> None:
    split = split_from([([1] * k, [1] * k) for k in (60, 50, 40, 30, 20, 10, 100, 90)])
    plan = plan_packs(split, max_tokens=100, seed=0, epoch=0, shuffle=False)
    # decreasing: 100 | 90 | 60 | 50; 40 fits best beside 60; 30 and 20 beside 50; 10 beside 90.
    assert [[[int(split.lengths[r]) for r in p] for p in b] for b in plan] == [
        [[100]],
        [[90, 10]],
        [[60, 40]],
        [[50, 30, 20]],
    ]


def test_shorter_packs_are_grouped_into_micro_batches_of_the_budget() -> None:
    split = _split(300)
    plan = plan_packs(split, max_tokens=1024, pack_length=256, seed=3, epoch=0)
    assert all(len(batch) <= 4 for batch in plan)
    assert all(int(split.lengths[p].sum()) <= 256 for batch in plan for p in batch)
    assert sorted(r for batch in plan for p in batch for r in p) == list(range(300))
    assert padding_efficiency(plan, split.lengths, packed=True) > 0.99


def test_padded_collate_shifts_targets_inside_each_row() -> None:
    split = split_from([([5, 6, 7, 8], [-100, -100, 7, 8]), ([9, 10], [-100, 10])])
    batch = collate_padded(split, [0, 1], pad_id=0)
    assert batch.input_ids.tolist() == [[5, 6, 7, 8], [9, 10, 0, 0]]
    assert batch.targets.tolist() == [[-100, 7, 8, -100], [10, -100, -100, -100]]
    assert batch.attention_mask is not None
    assert batch.attention_mask.tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]
    assert (batch.real_tokens, batch.computed_tokens, batch.trainable_tokens) == (6, 8, 3)


def test_packed_collate_never_targets_the_first_token_of_a_row() -> None:
    split = split_from([([5, 6, 7], [5, 6, 7]), ([9, 10], [9, 10])])
    batch = collate_packed(split, [[0, 1]], pad_id=0)
    assert batch.input_ids.tolist() == [[5, 6, 7, 9, 10]]
    # 9 (first token of row 2) is never a target: position 2 (token 7) predicts nothing.
    assert batch.targets.tolist() == [[6, 7, -100, 10, -100]]
    assert batch.position_ids.tolist() == [[0, 1, 2, 0, 1]]
    assert batch.segment_ids is not None
    assert batch.segment_ids.tolist() == [[0, 0, 0, 1, 1]]
    assert (batch.real_tokens, batch.computed_tokens, batch.trainable_tokens) == (5, 5, 3)


def test_packs_of_a_micro_batch_are_padded_as_rows_of_their_own() -> None:
    split = split_from([([5, 6, 7], [5, 6, 7]), ([9, 10], [9, 10]), ([3, 4], [3, 4])])
    batch = collate_packed(split, [[0, 1], [2]], pad_id=0)
    assert batch.input_ids.tolist() == [[5, 6, 7, 9, 10], [3, 4, 0, 0, 0]]
    assert batch.targets.tolist() == [[6, 7, -100, 10, -100], [4, -100, -100, -100, -100]]
    assert batch.position_ids.tolist() == [[0, 1, 2, 0, 1], [0, 1, 0, 1, 2]]
    assert batch.segment_ids is not None
    assert batch.segment_ids.tolist() == [[0, 0, 0, 1, 1], [0, 0, -1, -1, -1]]
    assert (batch.real_tokens, batch.computed_tokens, batch.rows) == (7, 10, 3)


def test_flat_collate_joins_every_pack_of_a_micro_batch_in_one_row() -> None:
    split = split_from([([5, 6, 7], [5, 6, 7]), ([9, 10], [9, 10]), ([3, 4], [3, 4])])
    batch = collate_flat(split, [[0, 1], [2]])
    assert batch.input_ids.tolist() == [[5, 6, 7, 9, 10, 3, 4]]
    assert batch.targets.tolist() == [[6, 7, -100, 10, -100, 4, -100]]
    assert batch.position_ids.tolist() == [[0, 1, 2, 0, 1, 0, 1]]
    assert batch.segment_ids is not None
    assert batch.segment_ids.tolist() == [[0, 0, 0, 1, 1, 2, 2]]
    assert batch.attention_mask is None
    assert (batch.real_tokens, batch.computed_tokens, batch.trainable_tokens, batch.rows) == (7, 7, 4, 3)


def test_flash_attention_sees_every_row_boundary_only_in_the_flat_batch() -> None:
    """What transformers' flash-attention path reads: cu_seqlens from position ids, at batch size 1 only."""
    from transformers.modeling_flash_attention_utils import (
        _is_packed_sequence,
        prepare_fa_kwargs_from_position_ids,
    )

    split = split_from([([5, 6, 7], [5, 6, 7]), ([9, 10], [9, 10]), ([3, 4], [3, 4])])
    flat = collate_flat(split, [[0, 1], [2]])
    assert _is_packed_sequence(flat.position_ids, batch_size=1)
    (cu_q, cu_k), _ = prepare_fa_kwargs_from_position_ids(flat.position_ids)
    assert cu_q.tolist() == cu_k.tolist() == [0, 3, 5, 7]  # every row its own sequence
    # two packs as two rows of a (B, L) batch: the boundary inside the first pack is not seen
    packed = collate_packed(split, [[0, 1], [2]], pad_id=0)
    assert not _is_packed_sequence(packed.position_ids, batch_size=packed.input_ids.shape[0])


def test_micro_batch_layout_follows_how_the_backend_keeps_rows_apart() -> None:
    from winnow.trainer.loop import batch_layout, collate

    assert batch_layout(False, None) == "padded"
    assert batch_layout(True, "mask") == "packed"
    assert batch_layout(True, "position_ids") == "flat"
    split = split_from([([5, 6, 7], [5, 6, 7]), ([9, 10], [9, 10]), ([3, 4], [3, 4])])
    assert collate(split, [[0, 1], [2]], "flat", pad_id=0).input_ids.shape == (1, 7)
    assert collate(split, [[0, 1], [2]], "packed", pad_id=0).input_ids.shape == (2, 5)
    assert collate(split, [0, 2], "padded", pad_id=0).input_ids.shape == (2, 3)


def test_block_diagonal_mask_keeps_rows_apart() -> None:
    mask = block_diagonal_mask(torch.tensor([[0, 0, 1, 1]]), torch.float32)
    allowed = (mask[0, 0] == 0).int().tolist()
    assert allowed == [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]]
