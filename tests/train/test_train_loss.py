"""train/loss.py: prompt tokens get no gradient; the step loss is token-weighted, so batch 8 x accum 1,
batch 1 x accum 8, and packed vs padded give the same loss and the same gradients."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F

from tests.train.train_shardkit import (
    alpaca_pairs,
    encode,
    one_torch_thread,
    split_from,
    stories_dir,
    tokenizer_with_template,
)
from winnow.trainer.batching import collate_flat, collate_packed, collate_padded
from winnow.trainer.config import LoraConfig, ModelConfig
from winnow.trainer.distributed import World
from winnow.trainer.lora import add_lora
from winnow.trainer.loss import accumulate, forward_sum
from winnow.trainer.model import load_model, resolve

CPU = torch.device("cpu")


pytestmark = pytest.mark.usefixtures("one_torch_thread")
__all__ = ["one_torch_thread"]


@pytest.fixture(scope="module")
def setup() -> tuple[Any, Any]:
    tokenizer = tokenizer_with_template()
    split = split_from([encode(tokenizer, p, r, 64) for p, r in alpaca_pairs(8)])
    cfg = ModelConfig(attn_implementation="sdpa")
    torch.manual_seed(0)
    model = add_lora(load_model(str(stories_dir()), cfg, resolve(cfg, CPU)), LoraConfig(r=4, alpha=8))
    with torch.no_grad():  # LoRA B starts at 0; give it weight so A gets gradients too
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.05)
    return model, split


def _loss_and_grads(model: Any, batches: list[Any]) -> tuple[float, dict[str, torch.Tensor]]:
    model.zero_grad(set_to_none=True)
    loss, _ = accumulate(model, batches, World(), CPU, torch.float32)
    return loss, {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def test_batch_size_accumulation_and_packing_give_the_same_loss_and_gradients(setup: tuple[Any, Any]) -> None:
    model, split = setup
    rows = list(range(8))
    runs = {
        "bs8 x accum1": [collate_padded(split, rows, pad_id=0)],
        "bs1 x accum8": [collate_padded(split, [r], pad_id=0) for r in rows],
        "bs2 x accum4": [collate_padded(split, rows[i : i + 2], pad_id=0) for i in range(0, 8, 2)],
        "packed 1 x 8": [collate_packed(split, [rows], pad_id=0)],
        "packed 2 x 4": [
            collate_packed(split, [rows[:4]], pad_id=0),
            collate_packed(split, [rows[4:]], pad_id=0),
        ],
        "packed, 3 padded packs": [collate_packed(split, [rows[:2], rows[2:7], rows[7:]], pad_id=0)],
        "flat, 3 packs in one row": [collate_flat(split, [rows[:2], rows[2:7], rows[7:]])],
    }
    reference_loss, reference_grads = _loss_and_grads(model, runs.pop("bs8 x accum1"))
    assert reference_loss > 0
    for name, batches in runs.items():
        loss, grads = _loss_and_grads(model, batches)
        assert loss == pytest.approx(reference_loss, rel=1e-5), name
        for key, grad in grads.items():
            torch.testing.assert_close(grad, reference_grads[key], rtol=1e-4, atol=1e-6, msg=f"{name}: {key}")


def test_a_per_micro_batch_mean_would_not_be_equivalent(setup: tuple[Any, Any]) -> None:
    """The check above can fail: averaging per-micro-batch means weights short answers up."""
    model, split = setup
    token_weighted, _ = _loss_and_grads(model, [collate_padded(split, list(range(8)), pad_id=0)])
    with torch.no_grad():
        means = [
            float(forward_sum(model, b, torch.float32)) / b.trainable_tokens
            for b in (collate_padded(split, [r], pad_id=0) for r in range(8))
        ]
    assert abs(sum(means) / 8 - token_weighted) > 1e-3


def test_prompt_tokens_get_no_gradient(setup: tuple[Any, Any]) -> None:
    model, split = setup
    batch = collate_padded(split, [0, 1, 2], pad_id=0)
    captured: dict[str, torch.Tensor] = {}

    def keep(_module: Any, _inputs: Any, output: torch.Tensor) -> None:
        output.retain_grad()
        captured["logits"] = output

    handle = model.get_output_embeddings().register_forward_hook(keep)
    try:
        model.zero_grad(set_to_none=True)
        total = forward_sum(model, batch, torch.float32)
        total.backward()
    finally:
        handle.remove()
    grad = captured["logits"].grad
    trained = batch.targets != -100
    assert grad is not None
    assert torch.count_nonzero(grad[~trained]) == 0  # prompt and padding positions: exactly zero
    assert bool((grad[trained].abs().sum(-1) > 0).all())
    # and the summed loss is exactly the cross-entropy over the reply tokens only
    logits = captured["logits"].detach().float()
    manual = F.cross_entropy(logits[trained], batch.targets[trained], reduction="sum")
    assert float(total) == pytest.approx(float(manual), rel=1e-6)
    assert batch.trainable_tokens == int(trained.sum())


def test_gradient_checkpointing_changes_memory_not_results(setup: tuple[Any, Any]) -> None:
    model, split = setup
    batches = [collate_padded(split, [0, 1, 2, 3], pad_id=0)]
    plain_loss, plain_grads = _loss_and_grads(model, batches)
    cfg = ModelConfig(attn_implementation="sdpa", gradient_checkpointing=True)
    torch.manual_seed(0)
    checkpointed = add_lora(load_model(str(stories_dir()), cfg, resolve(cfg, CPU)), LoraConfig(r=4, alpha=8))
    assert checkpointed.base_model.model.is_activation_checkpointing
    checkpointed.load_state_dict(model.state_dict())
    checkpointed.train()
    loss, grads = _loss_and_grads(checkpointed, batches)
    assert loss == pytest.approx(plain_loss, rel=1e-6)
    for key, grad in grads.items():
        torch.testing.assert_close(grad, plain_grads[key], rtol=1e-5, atol=1e-7)


def test_packing_is_refused_where_attention_cannot_keep_rows_apart() -> None:
    from winnow.curation.errors import WinnowError
    from winnow.trainer.model import check_packing

    cfg = ModelConfig(attn_implementation="eager")
    model = load_model(str(stories_dir()), cfg, resolve(cfg, CPU))
    assert check_packing(model) == "mask"
    model.config._attn_implementation = "flex_attention"
    with pytest.raises(WinnowError, match="backend 'flex_attention' cannot"):
        check_packing(model)


def test_flash_attention_refuses_several_packs_in_one_batch(setup: tuple[Any, Any]) -> None:
    """Flash-attention would see one sequence per pack row of a (B, L) batch, not the rows inside it."""
    from winnow.curation.errors import WinnowError

    _, split = setup
    cfg = ModelConfig(attn_implementation="sdpa")
    model = load_model(str(stories_dir()), cfg, resolve(cfg, CPU))
    model.config._attn_implementation = "flash_attention_2"  # no GPU here: the guard runs before attention
    with pytest.raises(WinnowError, match="flash_attention_2 would attend across packed rows"):
        forward_sum(model, collate_packed(split, [[0, 1], [2, 3]], pad_id=0), torch.float32)
