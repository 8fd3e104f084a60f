"""Semantic near-duplicates: cosine pairs (exact and inside k-means parts), clusters, keep policy, ledger."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.record import frame_from_rows
from winnow.curation.semantic.find import find_semantic_duplicates, unit
from winnow.curation.semantic.pairs import similar_pairs
from winnow.curation.semantic.section import SemanticDedupConfig


def _brute(vectors: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    sims = vectors @ vectors.T
    n = len(vectors)
    return {(a, b) for a in range(n) for b in range(a + 1, n) if sims[a, b] >= threshold}


def test_exact_pairs_equal_brute_force_across_blocks() -> None:
    rng = np.random.default_rng(7)
    vectors = unit(rng.normal(size=(2500, 8)))  # more rows than one block (1024)
    a, b, cosine, parts = similar_pairs(vectors, 0.95)
    assert parts == 1
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == _brute(vectors, 0.95)
    assert np.allclose(cosine, (vectors[a] * vectors[b]).sum(axis=1))


def test_kmeans_parts_find_the_pairs_of_tight_groups() -> None:
    rng = np.random.default_rng(3)
    centres = unit(rng.normal(size=(40, 16)))
    vectors = unit(np.repeat(centres, 5, axis=0) + rng.normal(scale=0.01, size=(200, 16)))
    a, b, _, parts = similar_pairs(vectors, 0.99, part_size=50)
    assert parts == 4
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == _brute(vectors, 0.99)
    assert len(a) == 40 * 10  # every pair inside each group of five


def _row(i: int, prompt: str, reply: str) -> dict[str, object]:
    return {
        "id": f"r{i}",
        "kind": "sft",
        "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}],
    }


def test_clusters_keep_the_longest_reply_and_explain_the_others() -> None:
    rows = [
        _row(0, "a", "short"),
        _row(1, "b", "the longest reply"),
        _row(2, "c", "other"),
        _row(3, "d", "mid reply"),
        _row(4, "e", "dropped already"),
    ]
    frame = frame_from_rows(rows).with_columns(drop_reason=pl.when(pl.col("id") == "r4").then(pl.lit("x")))
    # prompts and replies of r0, r1, r3 point the same way (cosine 0.96 and 1.0 to r1's); r2 is orthogonal
    table = {
        "a": [1.0, 0.3],
        "b": [1.0, 0.0],
        "c": [0.0, 1.0],
        "d": [1.0, 0.0],
        "short": [1.0, 0.3],
        "the longest reply": [1.0, 0.0],
        "other": [0.0, 1.0],
        "mid reply": [1.0, 0.0],
    }

    def embed(texts: list[str]) -> np.ndarray:
        assert texts == list(table)  # only competing rows: their prompts, then their replies
        return np.array([table[t] for t in texts], dtype=np.float32)

    out, stats = find_semantic_duplicates(frame, SemanticDedupConfig(model="m", threshold=0.95), embed)
    assert out["sem_dup_reason"].to_list() == ["semantic_duplicate", None, None, "semantic_duplicate", None]
    assert out["sem_dup_kept_id"].to_list() == ["r1", None, None, "r1", None]
    assert out["sem_dup_cluster_size"].to_list() == [3, 3, 1, 3, None]
    cluster = out["sem_dup_cluster"].to_list()
    assert cluster[0] == cluster[1] == cluster[3] is not None
    assert cluster[2] is None
    assert out["sem_dup_cosine"].to_list() == pytest.approx([1 / np.sqrt(1.09), None, None, 1.0, None])
    assert stats == {
        "competing": 4,
        "pairs": 3,
        "parts": 1,
        "clusters": 1,
        "rows_in_clusters": 3,
        "duplicates": 2,
        "threshold": 0.95,
        "key": "conversation",
        "keep": "longest_response",
    }


def _table_embed(table: dict[str, list[float]]) -> Callable[[list[str]], np.ndarray]:
    return lambda texts: np.array([table[t] for t in texts], dtype=np.float32)


def test_conversation_pairs_must_be_near_in_prompt_and_in_reply() -> None:
    # one prompt answered three ways: r1 says what r0 says (reply cosine 0.96), r2 something else (0.6)
    rows = [
        _row(0, "list three fruits", "apple, pear, plum"),
        _row(1, "list three fruits", "apples, pears, plums"),
    ]
    rows.append(_row(2, "list three fruits", "cherries are red"))
    rows.append(_row(3, "name a colour", "apple, pear, plum"))  # r0's reply to another prompt
    table = {
        "list three fruits": [1.0, 0.0, 0.0],
        "name a colour": [0.0, 1.0, 0.0],
        "apple, pear, plum": [0.0, 0.0, 1.0],
        "apples, pears, plums": [0.0, 0.28, 0.96],
        "cherries are red": [0.0, 0.8, 0.6],
    }
    out, stats = find_semantic_duplicates(
        frame_from_rows(rows), SemanticDedupConfig(model="m", threshold=0.9), _table_embed(table)
    )
    # r1-r2 reach the threshold on the mean of their two cosines (0.9) but their replies only 0.8; r0-r2 and
    # r0-r3 do not reach it at all (0.8, 0.5)
    assert out["sem_dup_reason"].to_list() == ["semantic_duplicate", None, None, None]
    assert out["sem_dup_kept_id"].to_list() == ["r1", None, None, None]
    assert out["sem_dup_cosine"].to_list() == pytest.approx([0.96, None, None, None])
    assert stats["pairs"] == 1


def test_a_long_shared_prompt_does_not_hide_different_replies(tmp_path: Path) -> None:
    """all-MiniLM-L6-v2 reads 256 tokens: as one text, prompt and reply made these two rows cosine 1.0."""
    pytest.importorskip("torch")
    from winnow.curation.embed.embed import Embedder
    from winnow.curation.embed.settings import EncoderSettings
    from winnow.curation.rulefile.load import parse_rules
    from winnow.curation.run_curate import curate_frame

    model = shared_path("models", "all-MiniLM-L6-v2")
    prompt = (
        "Summarize the following report on coastal erosion. " + "The shoreline retreats each winter. " * 60
    )
    replies = [
        "Winter storms are wearing the coast away, a few metres every year.",
        "I cannot open attachments, please paste the report as text.",
    ]
    whole = unit(Embedder(EncoderSettings(model=str(model)), None).embed([f"{prompt}\n{r}" for r in replies]))
    assert float(whole[0] @ whole[1]) > 0.9999  # the replies fall past the 256 tokens the encoder reads
    rules = parse_rules({"semantic_dedup": {"model": str(model)}})
    rows = [_row(i, prompt, reply) for i, reply in enumerate(replies)]
    result = curate_frame(frame_from_rows(rows), rules, cache_dir=tmp_path, only_stages=["semantic_dedup"])
    assert result.frame["flagged_rules"].to_list() == [[], []]
    assert result.stats["stages"]["semantic_dedup"]["pairs"] == 0


def test_stage_flags_a_real_paraphrase_with_the_real_encoder(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from winnow.curation.rulefile.load import parse_rules
    from winnow.curation.run_curate import curate_frame

    model = shared_path("models", "all-MiniLM-L6-v2")
    pairs = [json.loads(line) for line in shared_path("mrpc", "mrpc_dev.jsonl").read_text().splitlines()[:1]]
    rows = [
        {
            "id": "a",
            "kind": "sft",
            "messages": [
                {"role": "user", "content": pairs[0]["text1"]},
                {"role": "assistant", "content": "ok"},
            ],
        },
        {
            "id": "b",
            "kind": "sft",
            "messages": [
                {"role": "user", "content": pairs[0]["text2"]},
                {"role": "assistant", "content": "ok"},
            ],
        },
        {
            "id": "c",
            "kind": "sft",
            "messages": [
                {"role": "user", "content": "Write a haiku about the sea."},
                {"role": "assistant", "content": "ok"},
            ],
        },
    ]
    rules = parse_rules({"semantic_dedup": {"model": str(model), "key": "instruction"}})
    result = curate_frame(frame_from_rows(rows), rules, cache_dir=tmp_path, only_stages=["semantic_dedup"])
    out = result.frame
    assert out["flagged_rules"].to_list() == [
        [],
        ["semantic_duplicate"],
        [],
    ]  # equal lengths: first seen kept
    assert out["drop_reason"].to_list() == [None, None, None]
    assert out["sem_dup_cosine"][1] == pytest.approx(0.972106, abs=1e-5)
    assert result.stats["stages"]["semantic_dedup"]["texts_encoded"] == 3
