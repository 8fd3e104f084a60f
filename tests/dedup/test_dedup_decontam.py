"""Decontamination: corpus rows matching a reference row are reported with both ids."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.dedup.config import DecontamConfig, NearConfig
from winnow.curation.dedup.decontam import find_contamination
from winnow.curation.record import frame_from_rows


def sft(rid: str, source: str, line: int, instruction: str, reply: str = "ok") -> dict[str, Any]:
    return {
        "id": rid,
        "source": source,
        "line": line,
        "kind": "sft",
        "messages": [{"role": "user", "content": instruction}, {"role": "assistant", "content": reply}],
    }


def test_exact_and_near_matches_report_both_ids() -> None:
    corpus = frame_from_rows(
        [
            sft(
                "c0",
                "train.jsonl",
                1,
                "Explain the difference between a list and a tuple in the Python language",
            ),
            sft("c1", "train.jsonl", 2, "What is the capital of France?"),
            sft("c2", "train.jsonl", 3, "Tell me a joke about cats"),
            sft("c3", "train.jsonl", 4, "请解释一下为什么天空是蓝色的并举一个生活中的例子"),
        ]
    )
    references = frame_from_rows(
        [
            sft("e1", "eval.jsonl", 7, "what is the capital of   FRANCE?"),
            sft(
                "e2",
                "eval.jsonl",
                9,
                "Explain the difference between a list and a tuple in the Python programming language",
            ),
            sft("e3", "eval.jsonl", 11, "请解释一下为什么天空是蓝色的，并举一个生活中的例子。"),
        ]
    )
    out, stats = find_contamination(
        corpus, references, DecontamConfig(key="instruction", threshold=0.6), NearConfig()
    )
    assert out.select("id", "contaminated_by", "contaminated_ref", "contaminated_jaccard").rows() == [
        ("c0", "e2", "eval.jsonl:9", pytest.approx(10 / 13)),
        ("c1", "e1", "eval.jsonl:7", 1.0),
        ("c2", None, None, None),
        ("c3", "e3", "eval.jsonl:11", 1.0),  # punctuation-blind shingles: same characters
    ]
    assert stats["contaminated"] == 3
    assert (
        stats["exact"] == 1
    )  # c1; c3 matched by shingles (Jaccard 1.0) since its key differs in punctuation
    assert stats["reference_rows"] == 3
    assert stats["sample"][0] == {
        "row_id": "c0",
        "contaminated_by": "e2",
        "contaminated_ref": "eval.jsonl:9",
        "contaminated_jaccard": pytest.approx(10 / 13),
    }


def test_corpus_rows_never_match_each_other() -> None:
    same = "Describe the water cycle in three sentences for a ten year old student"
    corpus = frame_from_rows([sft("c0", "t", 1, same), sft("c1", "t", 2, same)])
    references = frame_from_rows(
        [sft("e0", "e", 1, "A completely different question about astronomy and stars")]
    )
    out, stats = find_contamination(corpus, references, DecontamConfig(key="instruction"), NearConfig())
    assert out["contaminated_by"].to_list() == [None, None]
    assert stats["contaminated"] == 0


def test_real_eval_questions_planted_in_a_corpus() -> None:
    path = shared_path("fastchat", "mt_bench_question.jsonl")
    questions = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    references = frame_from_rows(
        [sft(f"mt{q['question_id']}", str(path.name), i + 1, q["turns"][0]) for i, q in enumerate(questions)]
    )
    planted = questions[3]["turns"][0].replace(".", "!")  # punctuation changed
    corpus = frame_from_rows(
        [
            sft("c0", "train", 1, "An unrelated instruction about cooking pasta al dente"),
            sft("c1", "train", 2, planted),
        ]
    )
    out, _ = find_contamination(corpus, references, DecontamConfig(key="instruction"), NearConfig())
    assert out["contaminated_by"].to_list() == [None, f"mt{questions[3]['question_id']}"]
    assert out["contaminated_ref"].to_list()[1] == "mt_bench_question.jsonl:4"
    assert pl.Series(out["contaminated_jaccard"]).to_list()[1] == 1.0
