"""Budgeted selection: greedy order, flagged rows skipped, quotas per task, diversity, ledger and stats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.errors import ConfigError, StageError
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import parse_rules
from winnow.curation.run_curate import curate_frame
from winnow.curation.select.pick import pick, quotas

NAN = float("nan")


def test_quotas_share_the_budget_by_largest_remainders() -> None:
    assert quotas(np.array([0, 0, 0, 0, 1, 1, 2]), 4) == {0: 2, 1: 1, 2: 1}
    assert quotas(np.array([0, 0, 1]), 0) == {0: 0, 1: 0}


def test_pick_takes_the_best_eligible_rows_and_says_why_the_others_were_not() -> None:
    scores = np.array([0.5, 0.9, NAN, 0.7, 0.95, 0.1])
    eligible = np.array([True, True, True, True, False, True])
    picked = pick(scores, eligible, 2)
    assert picked.rank == [None, 1, None, 2, None, None]
    assert picked.note == ["over_budget", None, "no_metric", None, "flagged", "over_budget"]
    ascending = pick(scores, eligible, 2, descending=False)
    assert ascending.rank == [2, None, None, None, None, 1]


def test_pick_spreads_over_groups_and_skips_rows_too_close_to_a_chosen_one() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    groups = np.array([0, 0, 0, 1, 1])
    picked = pick(scores, np.ones(5, bool), 2, groups=groups)
    assert picked.rank == [1, None, None, 2, None]
    vectors = np.array([[1, 0], [0.99, 0.141], [0, 1], [0.6, 0.8], [0.8, 0.6]], dtype=np.float32)
    ids = ["a", "b", "c", "d", "e"]
    diverse = pick(scores, np.ones(5, bool), 3, vectors=vectors, diversity=0.1, ids=ids)
    assert diverse.rank == [1, None, 2, 3, None]
    assert diverse.note == [None, "too_close_to a", None, None, "over_budget"]


def _rows(n: int) -> pl.DataFrame:
    rows = [
        {
            "id": f"r{i}",
            "kind": "sft",
            "task": "code" if i < 2 else "open_qa",
            "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}],
        }
        for i in range(n)
    ]
    return frame_from_rows(rows)


def test_stage_drops_the_rows_not_chosen_with_their_reason() -> None:
    frame = _rows(6).with_columns(
        score=pl.Series([0.1, 0.9, 0.8, None, 0.7, 0.2]),
        drop_reason=pl.when(pl.col("id") == "r5").then(pl.lit("too_short")),
    )
    rules = parse_rules({"select": {"budget": 0.5, "by": "score", "per_task": True}})
    result = curate_frame(frame, rules, only_stages=["select"])
    out = result.frame
    assert out["select_rank"].to_list() == [None, 1, 2, None, None, None]
    assert out["select_note"].to_list() == ["over_budget", None, None, "no_metric", "over_budget", None]
    assert out["drop_reason"].to_list() == [
        "not_selected",
        None,
        None,
        "not_selected",
        "not_selected",
        "too_short",
    ]
    stats = result.stats["stages"]["select"]
    assert (stats["budget"], stats["candidates"], stats["chosen"]) == (2, 5, 2)
    assert stats["not_chosen"] == {"no_metric": 1, "over_budget": 2}
    assert stats["metric_at_budget_share"]["50%"] == 0.9
    assert stats["metric_at_budget_share"]["100%"] == 0.8


def test_a_missing_metric_column_and_bad_budgets_are_clear_errors() -> None:
    with pytest.raises(StageError, match=r"select\.by names 'ifd', which is not a numeric column"):
        curate_frame(_rows(2), parse_rules({"select": {"budget": 1}}), only_stages=["select"])
    with pytest.raises(ConfigError) as caught:
        parse_rules({"select": {"budget": 2.5, "diversity": 0.2}})
    assert "select.budget: a count must be a whole number, got 2.5" in str(caught.value)
    assert "select.model: diversity needs an encoder folder" in str(caught.value)


def test_select_by_ifd_after_model_scores_on_the_real_tiny_model(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    model = shared_path("models", "stories260K", "hf")
    pairs = [
        ("Tell me a story about a cat.", "Once upon a time there was a cat."),
        ("Tell me a story about the sun.", "The sun is hot."),
        ("Tell me a story about Tim.", "Tim went to the park."),
        ("Tell me a story about Lily.", "Lily is happy."),
        ("Write a story about a dog.", "The dog ran to the park."),
    ]
    rows = [
        {
            "id": f"r{i}",
            "kind": "sft",
            "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}],
        }
        for i, (prompt, reply) in enumerate(pairs)
    ]
    rules = parse_rules(
        {"model_scores": {"model": str(model), "template": "alpaca"}, "select": {"budget": 2, "by": "ifd"}}
    )
    out = curate_frame(frame_from_rows(rows), rules, cache_dir=tmp_path).frame
    assert out["ifd"].to_list() == pytest.approx([0.987591, 0.949629, 0.901477, 0.983933, 0.922286], abs=1e-6)
    assert out["select_rank"].to_list() == [1, None, None, 2, None]  # the two highest IFD below 1
    assert out["drop_reason"].to_list() == [None, "not_selected", "not_selected", None, "not_selected"]


def test_diversity_skips_a_paraphrase_of_a_chosen_row_with_the_real_encoder(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    model = shared_path("models", "all-MiniLM-L6-v2")
    prompts = [
        "How do I bake bread at home?",
        "What is the way to bake bread at home?",
        "Name three planets of the solar system.",
    ]
    rows = [
        {
            "id": f"r{i}",
            "kind": "sft",
            "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": "ok"}],
        }
        for i, prompt in enumerate(prompts)
    ]
    frame = frame_from_rows(rows).with_columns(score=pl.Series([0.9, 0.8, 0.1]))
    rules = parse_rules(
        {"select": {"budget": 2, "by": "score", "diversity": 0.2, "model": str(model), "key": "instruction"}}
    )
    out = curate_frame(frame, rules, cache_dir=tmp_path, only_stages=["select"]).frame
    assert out["select_rank"].to_list() == [1, None, 2]
    assert out["select_note"].to_list() == [None, "too_close_to r0", None]
