"""A near-duplicate exchange is near in its prompt and near in its reply (the `conversation` key).

The shingles of a whole exchange are dominated by its longer part. Eight models answering one long
prompt with "Positive", "Negative" or "The sentence is positive." share nearly all their shingles, yet
they are eight different answers; measured on ../shared/data/self_instruct/predictions (8 models x 252
prompts), the whole-text Jaccard at 0.7 called 710 distinct answers near duplicates. So with the
`conversation` key a candidate pair whose whole texts reach the threshold is a near duplicate only when
its prompts reach it and its replies reach it too, each measured like the whole (same shingles, same
measure). A part empty on both sides (a pretrain row has no prompt) counts as equal.

Only the documents of the pairs asked about are shingled, and only where the two parts differ (several
answers to one prompt share it exactly), each once per run however many chunks ask about it
(winnow.curation.dedup.part_sets), so the cost follows the candidates, not the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from winnow.curation.dedup.config import NearConfig
from winnow.curation.dedup.keys import Texts
from winnow.curation.dedup.part_sets import PartSets
from winnow.curation.dedup.shingles import ShingleSpec


@dataclass(frozen=True)
class PartsFilter:
    """Which pairs of documents are near in every part; `parts` holds each part's normalized text per
    document (exact-key normalization: NFKC, lower case, whitespace collapsed; null when empty)."""

    parts: tuple[Texts, ...]
    config: NearConfig
    spec: ShingleSpec
    # each part's shingle sets, cut once per run (winnow.curation.dedup.part_sets)
    shingled: tuple[PartSets, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sets = tuple(PartSets(texts, self.config, self.spec) for texts in self.parts)
        object.__setattr__(self, "shingled", sets)

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """A bool per pair (a[i], b[i]): every part reaches the threshold (or is empty on both sides)."""
        return self.similarities(a, b)[0] >= self.config.threshold

    def similarities(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lowest, exact) per pair: the lowest measure of the parts compared (an equal part counts 1.0), and
        whether every part was compared. Comparing stops at the first part below the threshold, so `lowest`
        judges the pair at any threshold where exact is true, and rules it out at any above `lowest`
        (winnow.curation.dedup.memo keeps both)."""
        lowest = np.ones(len(a), dtype=np.float64)
        compared = np.zeros(len(a), dtype=np.int64)
        for part in range(len(self.parts)):
            undecided = np.flatnonzero(lowest >= self.config.threshold)
            if len(undecided) == 0:
                break
            found = self._part_similarity(part, a[undecided], b[undecided])
            lowest[undecided] = np.minimum(lowest[undecided], found)
            compared[undecided] += 1
        return lowest, compared == len(self.parts)

    def _part_similarity(self, part: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = a.astype(np.int64), b.astype(np.int64)
        texts = self.parts[part]
        # equal parts (both null included) are near without shingling: several answers to one prompt
        equal = texts.gather(a).eq_missing(texts.gather(b)).to_numpy()
        similarity = np.ones(len(a), dtype=np.float64)
        todo = np.flatnonzero(~equal)
        if len(todo):  # each part measured like the whole: same shingles, same measure
            similarity[todo] = self.shingled[part].similarity(a[todo], b[todo])
        return similarity
