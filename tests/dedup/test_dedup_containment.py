"""The containment measure |A∩B| / min(|A|, |B|): a short text inside a longer one, in dedup, in
decontamination, in the rule-file section, and on the real Clough & Stevenson text-reuse pairs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.dedup.config import DecontamConfig, DedupConfig, NearConfig
from winnow.curation.dedup.decontam import find_contamination
from winnow.curation.dedup.find import find_duplicates
from winnow.curation.dedup.near import near_duplicates, resolve_bands_rows
from winnow.curation.dedup.section import parse_dedup
from winnow.curation.dedup.verify import DocSets
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems

# 9 word 3-grams; 8 of them in EN_LONG (25 3-grams): containment 8/9, Jaccard 8/26
EN_SHORT = "Explain how photosynthesis turns sunlight, water and carbon dioxide into glucose"
EN_LONG = (
    "Biology homework, part two: explain how photosynthesis turns sunlight, water and carbon dioxide into "
    "sugar, then describe the role of chlorophyll in the leaves of green plants"
)
# 9 character 3-grams; 6 of them in ZH_LONG (25 3-grams): containment 6/9, Jaccard 6/28
ZH_SHORT = "请解释为何天空是蓝色的"
ZH_LONG = "物理题：请解释为什么天空是蓝色的，并说明日落时为什么是红色的。"
OTHER = "List five prime numbers greater than one hundred and explain how you checked each of them"

CONTAINMENT = NearConfig(threshold=0.6, measure="containment")


def sft(rid: str, instruction: str, reply: str, line: int = 1) -> dict[str, Any]:
    return {
        "id": rid,
        "source": "train.jsonl",
        "line": line,
        "kind": "sft",
        "messages": [{"role": "user", "content": instruction}, {"role": "assistant", "content": reply}],
    }


def corpus() -> pl.DataFrame:
    return frame_from_rows(
        [
            sft("en_short", EN_SHORT, "a long reply about light and leaves"),
            sft("en_long", EN_LONG, "short"),
            sft("zh_short", ZH_SHORT, "好"),
            sft("zh_long", ZH_LONG, "瑞利散射让蓝光散得更多，所以天空是蓝色的"),
            sft("other", OTHER, "101, 103, 107, 109, 113"),
        ]
    )


def test_similarity_measures_on_hand_made_sets() -> None:
    # doc 0 = {1, 2, 3}, doc 1 = {2, 3, 4, 5, 6, 7}, doc 2 = {} (ids are dense shingle ids)
    sets = DocSets(
        np.array([0, 1, 2]), np.array([1, 2, 3, 2, 3, 4, 5, 6, 7], dtype=np.uint64), np.array([0, 3, 9, 9])
    )
    a, b = np.array([0, 0]), np.array([1, 2])
    assert sets.similarity(a, b, "jaccard").tolist() == [2 / 7, 0.0]
    assert sets.similarity(a, b, "containment").tolist() == [2 / 3, 0.0]
    with pytest.raises(ValueError, match="unknown similarity measure"):
        sets.similarity(a, b, "cosine")


def test_candidate_level_follows_the_containment_threshold() -> None:
    assert NearConfig().candidate_jaccard() == 0.7  # jaccard: the threshold itself
    assert CONTAINMENT.candidate_jaccard() == pytest.approx(0.6 / 3.4)
    assert NearConfig(measure="containment", candidate_threshold=0.05).candidate_jaccard() == 0.05
    assert resolve_bands_rows(NearConfig()) == (20, 6)  # the default jaccard bands are unchanged
    assert resolve_bands_rows(NearConfig(threshold=0.12, measure="containment")) == (123, 1)


def test_containment_finds_a_short_text_inside_a_longer_one_en_and_zh() -> None:
    out, report = find_duplicates(corpus(), DedupConfig(key="instruction_input", near=CONTAINMENT), workers=1)
    rows = out.select("id", "dup_cluster_size", "dup_kept_id", "dup_jaccard", "dup_reason").rows()
    assert rows == [
        ("en_short", 2, None, 1.0, None),
        ("en_long", 2, "en_short", pytest.approx(8 / 9), "near_duplicate"),
        ("zh_short", 2, "zh_long", pytest.approx(6 / 9), "near_duplicate"),
        ("zh_long", 2, None, 1.0, None),
        ("other", 1, None, None, None),
    ]
    assert report.stats["near"]["duplicate_pairs"] == 2
    assert "C >= 0.6" in report.stats["summary"]


def test_jaccard_default_does_not_pair_them() -> None:
    out, _ = find_duplicates(corpus(), DedupConfig(key="instruction_input"), workers=1)
    assert out["dup_cluster"].null_count() == 5
    # resemblance of the same pairs is far below 0.7: 8/26 and 6/28
    loose = NearConfig(threshold=0.2, candidate_threshold=0.05)
    out, _ = find_duplicates(corpus(), DedupConfig(key="instruction_input", near=loose), workers=1)
    assert out.select("id", "dup_jaccard").rows() == [
        ("en_short", 1.0),
        ("en_long", pytest.approx(8 / 26)),
        ("zh_short", pytest.approx(6 / 28)),
        ("zh_long", 1.0),
        ("other", None),
    ]


def test_decontamination_by_containment_reports_both_ids() -> None:
    training = frame_from_rows(
        [sft("t_en", EN_LONG, "ok", 1), sft("t_zh", ZH_LONG, "好", 2), sft("t_other", OTHER, "ok", 3)]
    )
    evals = frame_from_rows([sft("q_en", EN_SHORT, "ok", 4), sft("q_zh", ZH_SHORT, "好", 5)]).with_columns(
        source=pl.lit("eval.jsonl")
    )
    config = DecontamConfig(key="instruction", threshold=0.6, measure="containment")
    out, stats = find_contamination(training, evals, config, NearConfig(), workers=1)
    assert out.select("id", "contaminated_by", "contaminated_ref", "contaminated_jaccard").rows() == [
        ("t_en", "q_en", "eval.jsonl:4", pytest.approx(8 / 9)),
        ("t_zh", "q_zh", "eval.jsonl:5", pytest.approx(6 / 9)),
        ("t_other", None, None, None),
    ]
    assert (stats["contaminated"], stats["exact"], stats["measure"]) == (2, 0, "containment")
    # resemblance at the same threshold misses both: the training rows are ~3x longer than the questions
    resemblance = DecontamConfig(key="instruction", threshold=0.6)
    out, stats = find_contamination(training, evals, resemblance, NearConfig(), workers=1)
    assert stats["contaminated"] == 0


def test_section_parses_and_checks_the_measure() -> None:
    problems = Problems("rules.yaml")
    config = parse_dedup(
        {"near": {"measure": "containment", "threshold": 0.12, "candidate_threshold": 0.03}},
        "dedup",
        problems,
    )
    assert problems.items == []
    assert config is not None
    assert (config.near.measure, config.near.threshold, config.near.candidate_threshold) == (
        "containment",
        0.12,
        0.03,
    )
    problems = Problems("rules.yaml")
    parse_dedup(
        {
            "near": {"measure": "containment", "verify": False, "candidate_threshold": "low"},
            "decontaminate": {"references": ["eval.jsonl"], "measure": "contain"},
        },
        "dedup",
        problems,
    )
    assert problems.items == [
        "dedup.near.candidate_threshold: must be a number or null, got 'low'",
        "dedup.near.measure: containment needs verify: true (signatures estimate Jaccard only)",
        "dedup.decontaminate.measure: unknown measure 'contain' (did you mean \"containment\"?); known: "
        "containment, jaccard",
    ]


def test_clough_stevenson_copy_and_light_revision_flagged_independent_not() -> None:
    path = shared_path("clough_stevenson_reuse", "pairs_dev.jsonl")
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    sources = sorted({r["source_text"] for r in rows})
    texts = pl.Series(sources + [r["text"] for r in rows])
    groups = np.array([0] * len(sources) + [1] * len(rows), dtype=np.int8)
    found = near_duplicates(
        texts, NearConfig(threshold=0.12, measure="containment"), workers=1, groups=groups, all_pairs=True
    )
    flagged = set(zip(found.pairs["a"].to_list(), found.pairs["b"].to_list(), strict=True))
    counts: dict[str, int] = {"cut": 0, "light": 0, "heavy": 0, "non": 0}
    for k, r in enumerate(rows):
        counts[r["category"]] += (sources.index(r["source_text"]), len(sources) + k) in flagged
    assert counts == {"cut": 10, "light": 10, "heavy": 9, "non": 0}
