"""PartSets: a part's shingle sets cut once per run give the measures of cutting them per question
(pair_jaccard over freshly cut hashes), whatever order and batches the documents are asked in."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from winnow.curation.dedup.config import NearConfig
from winnow.curation.dedup.near import near_texts
from winnow.curation.dedup.part_sets import PartSets
from winnow.curation.dedup.shingles import ShingleSpec
from winnow.curation.dedup.verify import ShingleHashes, pair_jaccard

# normalized parts (exact-key normalization), as find.py hands them over; None: the part is empty
TEXTS = pl.Series(
    [
        "the cat sat on the mat today",
        "the cat sat on the mat",
        "请用三句话解释为什么天空是蓝色的",
        "请用三句话解释为什么天空是蓝的",
        "two words",
        None,
        "the cat sat, on the mat today!",
    ],
    dtype=pl.String,
)


def fresh(a: np.ndarray, b: np.ndarray, config: NearConfig) -> np.ndarray:
    """What the part check measured before PartSets: every question cut again."""
    docs = np.unique(np.concatenate([a, b]))
    hashes = ShingleHashes.of_texts(
        near_texts(TEXTS.gather(docs), config, normalized_input=True), ShingleSpec()
    )
    return pair_jaccard(ShingleHashes(docs, hashes.hashes, hashes.offsets), a, b, measure=config.measure)


@pytest.mark.parametrize("measure", ["jaccard", "containment"])
def test_measures_equal_cutting_each_question_again_across_batches(measure: str) -> None:
    config = NearConfig(measure=measure)
    sets = PartSets(TEXTS, config, ShingleSpec())
    batches = [
        (np.array([2, 0]), np.array([3, 1])),
        (np.array([0, 4, 6]), np.array([6, 5, 1])),  # 0 and 1 again, three new documents
        (np.array([3, 2, 0]), np.array([2, 2, 1])),  # nothing new
    ]
    for a, b in batches:
        assert sets.similarity(a, b).tolist() == fresh(a, b, config).tolist()
    assert len(sets) == 7
    # each document cut once: its set written once, in the order documents were first asked for
    assert sets.bounds.tolist()[0::2] == [0, 5, 9, 23, 36, 37, 37]


def test_exact_values_of_word_and_character_parts() -> None:
    sets = PartSets(TEXTS, NearConfig(), ShingleSpec())
    # 5 vs 4 word 3-grams, 4 shared; the punctuation-blind copy equals the first; 14 vs 13 character
    # 3-grams, 12 shared; an empty part has no shingles (0.0)
    got = sets.similarity(np.array([0, 0, 2, 5]), np.array([1, 6, 3, 4]))
    assert got.tolist() == [pytest.approx(4 / 5), 1.0, pytest.approx(12 / 15), 0.0]
