"""Batched mean losses (winnow.curation.scores.losses): the shared-prefix cut, and equality with a per-row forward."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tests.conftest import shared_path

torch = pytest.importorskip("torch")


def test_shared_prefix_stops_at_the_first_difference_and_before_the_first_scored_position() -> None:
    from winnow.curation.scores.losses import shared_prefix

    ids = [np.array([1, 5, 6, 7, 8, 9]), np.array([1, 5, 6, 7, 2, 9, 9]), np.array([1, 5, 6, 7, 8])]
    assert shared_prefix(ids, np.array([4, 5, 3])) == 3  # row 3 scores position 3: it must be computed
    assert shared_prefix(ids, np.array([5, 5, 4])) == 4  # rows 1 and 2 differ at position 4
    assert shared_prefix(ids[:1], np.array([5])) == 5
    assert shared_prefix([np.array([4, 4]), np.array([3, 4])], np.array([1, 1])) == 0


def _sequences(scorer: Any) -> list[tuple[Any, Any]]:
    """Real Alpaca rows through the shard Encoder, with and without their prompt (the scorer's two passes)."""
    from winnow.curation.scores.rows import scored_pair

    data = json.loads(shared_path("llama_factory_demo", "alpaca_en_demo.json").read_text(encoding="utf-8"))
    rows = [
        {
            "kind": "sft",
            "messages": [
                {"role": "user", "content": d["instruction"]},
                {"role": "assistant", "content": d["output"]},
            ],
            "input": d["input"] or None,
        }
        for d in data
        if len(d["instruction"]) + len(d["input"]) + len(d["output"]) < 300
    ][:10]
    pairs = [scored_pair(row) for row in rows]
    with_prompt, _ = scorer._encode([p[0] for p in pairs])
    without, _ = scorer._encode([p[1] for p in pairs])
    return [with_prompt[i] for i in range(len(rows))] + [without[i] for i in range(len(rows))]


def _assert_equal_to_each_rows_own_forward(
    model: Any, sequences: list[tuple[Any, Any]], losses: list[float]
) -> None:
    """Each row's batched loss equals the model's own loss on that row alone, to 1e-5."""
    for (row_ids, row_labels), loss in zip(sequences, losses, strict=True):
        with torch.no_grad():
            direct = model(input_ids=torch.tensor([list(row_ids)]), labels=torch.tensor([list(row_labels)]))
        assert loss == pytest.approx(float(direct.loss), abs=1e-5)


def test_batched_losses_with_a_shared_prefix_equal_each_rows_own_forward() -> None:
    from winnow.curation.scores.ifd import ModelScorer, ScoreSettings
    from winnow.curation.scores.losses import MIN_SHARED, cache_argument, mean_losses, shared_prefix

    model_dir = shared_path("models", "stories260K", "hf")
    scorer = ModelScorer(ScoreSettings(model=str(model_dir), template="alpaca"), None)
    sequences = _sequences(scorer)
    ids = [np.asarray(s[0]) for s in sequences]
    firsts = np.array([int(np.flatnonzero(np.asarray(s[1])[1:] != -100)[0]) for s in sequences])
    assert shared_prefix(ids, firsts) >= MIN_SHARED  # the alpaca preamble: the shared path is exercised
    assert cache_argument(scorer.model) == "cache"  # transformers 5's name for past_key_values
    done: list[int] = []
    losses = mean_losses(scorer.model, sequences, max_tokens=1024, pad_id=scorer.pad_id, progress=done.append)
    assert done[-1] == len(sequences)
    assert len(done) > 2  # several batches
    _assert_equal_to_each_rows_own_forward(scorer.model, sequences, losses)


def test_a_sequence_without_labels_has_no_loss() -> None:
    from winnow.curation.scores.ifd import ModelScorer, ScoreSettings
    from winnow.curation.scores.losses import mean_losses

    model_dir = shared_path("models", "stories260K", "hf")
    scorer = ModelScorer(ScoreSettings(model=str(model_dir), template="alpaca"), None)
    ids, labels = _sequences(scorer)[0]
    unlabelled = (ids, [-100] * len(ids))
    losses = mean_losses(scorer.model, [unlabelled, (ids, labels)], max_tokens=4096, pad_id=scorer.pad_id)
    assert np.isnan(losses[0])
    assert np.isnan(mean_losses(scorer.model, [unlabelled], max_tokens=4096, pad_id=0)[0])  # a batch of none
    assert losses[1] == pytest.approx(
        mean_losses(scorer.model, [(ids, labels)], max_tokens=4096, pad_id=0)[0], abs=1e-6
    )


def test_the_continuation_mask_sees_the_prefix_and_the_rows_own_earlier_tokens() -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    from winnow.curation.scores.losses import _Prefixes

    config = LlamaConfig(
        vocab_size=16, hidden_size=8, intermediate_size=8, num_hidden_layers=1, num_attention_heads=2
    )
    prefixes = _Prefixes(LlamaForCausalLM(config), "cache", torch.device("cpu"))
    mask = prefixes.mask(2, 3)
    assert mask is not None
    assert mask.shape == (1, 1, 3, 5)
    low = torch.finfo(torch.float32).min
    assert mask[0, 0].tolist() == [[0, 0, 0, low, low], [0, 0, 0, 0, low], [0, 0, 0, 0, 0]]
    assert prefixes.mask(2, 3) is mask  # built once per shape


def test_one_mask_is_not_given_to_models_with_sliding_window_layers() -> None:
    from transformers import LlamaConfig, MistralConfig, Qwen2Config

    from winnow.curation.scores.losses import _one_mask_fits

    assert _one_mask_fits(LlamaConfig())
    assert _one_mask_fits(MistralConfig(sliding_window=None))
    assert not _one_mask_fits(MistralConfig(sliding_window=6))
    assert _one_mask_fits(Qwen2Config())  # use_sliding_window is off by default
    assert not _one_mask_fits(
        Qwen2Config(use_sliding_window=True, sliding_window=8, max_window_layers=1, num_hidden_layers=2)
    )


def test_a_prefix_shared_by_every_batch_runs_once_per_call() -> None:
    """The reply-alone sequences all start with the same tokens up to the reply: one prefix forward, then one
    forward per batch, plus the first batch's check (its first row alone, unshared)."""
    from winnow.curation.scores.ifd import ModelScorer, ScoreSettings
    from winnow.curation.scores.losses import mean_losses

    model_dir = shared_path("models", "stories260K", "hf")
    scorer = ModelScorer(ScoreSettings(model=str(model_dir), template="alpaca"), None)
    sequences = _sequences(scorer)[10:]  # the second half: without the prompt
    widths: list[tuple[int, ...]] = []
    hook = scorer.model.register_forward_pre_hook(
        lambda _module, _args, kwargs: widths.append(tuple(kwargs["input_ids"].shape)), with_kwargs=True
    )
    done: list[int] = []
    try:
        losses = mean_losses(
            scorer.model, sequences, max_tokens=768, pad_id=scorer.pad_id, progress=done.append
        )
    finally:
        hook.remove()
    sizes = np.diff([0, *done]).tolist()  # rows per batch
    assert len(sizes) > 2
    shared = 95  # the alpaca preamble and the empty instruction, up to the reply
    assert widths[0] == (1, shared)
    assert [w[0] for w in widths[1:]] == [sizes[0], 1, *sizes[1:]]
    assert widths[2][1] > shared  # the check runs the whole row
    _assert_equal_to_each_rows_own_forward(scorer.model, sequences, losses)


def test_a_sliding_window_model_scores_equal_each_rows_own_forward() -> None:
    """A tiny Mistral (random weights) whose window (6) is shorter than the rows: the rows still continue the
    shared prefix's cache, transformers builds the masks (one causal mask does not fit its sliding-window cache:
    the forward fails), and the scores equal a per-row forward."""
    from transformers import MistralConfig, MistralForCausalLM

    from winnow.curation.scores.losses import mean_losses

    torch.manual_seed(0)
    config = MistralConfig(
        vocab_size=64,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        sliding_window=6,
        attn_implementation="sdpa",
    )
    model = MistralForCausalLM(config).eval()
    rng = np.random.default_rng(0)
    prefix = rng.integers(3, 64, size=20).tolist()
    sequences = []
    for length in (6, 9, 14, 20, 11, 7):
        reply = rng.integers(3, 64, size=length).tolist()
        sequences.append((prefix + reply, [-100] * len(prefix) + reply))
    shapes: list[tuple[int, ...]] = []
    hook = model.register_forward_pre_hook(
        lambda _module, _args, kwargs: shapes.append(tuple(kwargs["input_ids"].shape)), with_kwargs=True
    )
    try:
        losses = mean_losses(model, sequences, max_tokens=4096, pad_id=0)
    finally:
        hook.remove()
    assert shapes == [(1, 19), (6, 32), (1, 32)]  # prefix (to the first scored position), batch, check
    _assert_equal_to_each_rows_own_forward(model, sequences, losses)
