"""Prompt-reply relevance with the real all-MiniLM-L6-v2 encoder: cosine per row, per-task minimums, ledger."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.errors import ConfigError
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import parse_rules
from winnow.curation.run_curate import curate_frame

ROWS = [
    ("a", None, "What is the capital of France?", "The capital of France is Paris."),
    ("b", None, "What is the capital of France?", "Mix flour, eggs and milk, then bake for 20 minutes."),
    ("c", "translation", "Translate to French: good morning", "Bonjour"),
    ("d", None, "Name a primary colour.", "Blue."),
    ("e", None, "Write a haiku about rain.", "Stocks fell sharply on Monday."),
]


def _frame() -> pl.DataFrame:
    rows = [
        {
            "id": row_id,
            "kind": "sft",
            "task": task,
            "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}],
        }
        for row_id, task, prompt, reply in ROWS
    ]
    return frame_from_rows(rows).with_columns(drop_reason=pl.when(pl.col("id") == "e").then(pl.lit("x")))


def test_unrelated_replies_are_flagged_and_translation_is_exempt(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    model = shared_path("models", "all-MiniLM-L6-v2")
    rules = parse_rules({"relevance": {"model": str(model), "min_similarity": 0.2}})
    result = curate_frame(_frame(), rules, cache_dir=tmp_path, only_stages=["relevance"])
    out = result.frame
    cosine = out["prompt_reply_cosine"].to_list()
    assert cosine[:4] == pytest.approx([0.879011, 0.109722, 0.274114, 0.525853], abs=1e-5)
    assert cosine[4] is None  # dropped already: not scored
    assert out["flagged_rules"].to_list() == [[], ["reply_unrelated_to_prompt"], [], [], []]
    assert out["drop_reason"].to_list() == [None, None, None, None, "x"]
    stats = result.stats["stages"]["relevance"]
    assert (stats["rows_scored"], stats["failing"], stats["texts_encoded"]) == (4, 1, 7)  # one prompt twice


def test_a_task_can_have_its_own_minimum_and_problems_name_their_place(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    model = shared_path("models", "all-MiniLM-L6-v2")
    rules = parse_rules(
        {
            "relevance": {
                "model": str(model),
                "min_similarity": 0.2,
                "tasks": {"translation": 0.5},
                "action": "drop",
            }
        }
    )
    out = curate_frame(_frame(), rules, cache_dir=tmp_path, only_stages=["relevance"]).frame
    assert out["drop_reason"].to_list() == [
        None,
        "reply_unrelated_to_prompt",
        "reply_unrelated_to_prompt",
        None,
        "x",
    ]
    with pytest.raises(ConfigError) as caught:
        parse_rules({"relevance": {"model": str(model), "tasks": {"translate": None}, "min_similarity": 2}})
    message = str(caught.value)
    assert "relevance.tasks.translate: unknown task 'translate' (did you mean \"translation\"?)" in message
    assert "relevance.min_similarity: must be <= 1.0, got 2" in message


def test_a_chat_reply_is_also_compared_with_the_last_user_turn(tmp_path: Path) -> None:
    """A reply answers the chat's last turn: "You're welcome!" to a thank-you is related, whatever came before."""
    pytest.importorskip("torch")
    model = shared_path("models", "all-MiniLM-L6-v2")
    turns = [
        {"role": "user", "content": "How do I repot a cactus without getting pricked?"},
        {"role": "assistant", "content": "Wear thick gloves and wrap the cactus in folded newspaper."},
        {"role": "user", "content": "Thanks for your help."},
    ]
    replies = ["You're welcome!", "The stock market fell sharply on Monday."]
    rows = [
        {"id": f"r{i}", "kind": "sft", "messages": [*turns, {"role": "assistant", "content": reply}]}
        for i, reply in enumerate(replies)
    ]
    rows.append(  # one user turn: compared with that turn only, as before
        {
            "id": "single",
            "kind": "sft",
            "messages": [turns[2], {"role": "assistant", "content": replies[1]}],
        }
    )
    rules = parse_rules({"relevance": {"model": str(model), "min_similarity": 0.2}})
    result = curate_frame(frame_from_rows(rows), rules, cache_dir=tmp_path, only_stages=["relevance"])
    out = result.frame
    # the whole chat against "You're welcome!" is 0.11 (flagged at 0.2); its last turn 0.43
    assert out["prompt_reply_cosine"].to_list() == pytest.approx([0.434402, 0.058687, 0.058687], abs=1e-5)
    assert out["flagged_rules"].to_list() == [
        [],
        ["reply_unrelated_to_prompt"],
        ["reply_unrelated_to_prompt"],
    ]
    assert result.stats["stages"]["relevance"]["chats_scored_on_last_turn"] == 2
