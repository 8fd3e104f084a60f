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
    for (row_ids, row_labels), loss in zip(sequences, losses, strict=True):
        with torch.no_grad():
            direct = scorer.model(
                input_ids=torch.tensor([list(row_ids)]), labels=torch.tensor([list(row_labels)])
            )
        assert loss == pytest.approx(float(direct.loss), abs=1e-5)


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
