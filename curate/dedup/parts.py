"""A near-duplicate exchange is near in its prompt and near in its reply (the `conversation` key).

The shingles of a whole exchange are dominated by its longer part. Eight models answering one long
prompt with "Positive", "Negative" or "The sentence is positive." share nearly all their shingles, yet
they are eight different answers; measured on ../shared/data/self_instruct/predictions (8 models x 252
prompts), the whole-text Jaccard at 0.7 called 710 distinct answers near duplicates. So with the
`conversation` key a candidate pair whose whole texts reach the threshold is a near duplicate only when
its prompts reach it and its replies reach it too, each measured like the whole (same shingles, same
measure). A part empty on both sides (a pretrain row has no prompt) counts as equal.

Only the documents of the pairs asked about are shingled, and only where the two parts differ (several
answers to one prompt share it exactly), so the cost follows the candidates, not the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from winnow.curation.dedup.config import NearConfig
from winnow.curation.dedup.near import near_texts
from winnow.curation.dedup.shingles import ShingleSpec
from winnow.curation.dedup.signing import shingle_hashes
from winnow.curation.dedup.verify import ShingleHashes, pair_jaccard, sorted_unique


@dataclass(frozen=True)
class PartsFilter:
    """Which pairs of documents are near in every part; `parts` holds each part's normalized text per
    document (exact-key normalization: NFKC, lower case, whitespace collapsed; null when empty)."""

    parts: tuple[pl.Series, ...]
    config: NearConfig
    spec: ShingleSpec

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """A bool per pair (a[i], b[i]): every part reaches the threshold (or is empty on both sides)."""
        near = np.ones(len(a), dtype=bool)
        for texts in self.parts:
            undecided = np.flatnonzero(near)
            if len(undecided) == 0:
                break
            near[undecided] = self._part_near(texts, a[undecided], b[undecided])
        return near

    def _part_near(self, texts: pl.Series, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = a.astype(np.int64), b.astype(np.int64)
        # equal parts (both null included) are near without shingling: several answers to one prompt
        near = texts.gather(a).eq_missing(texts.gather(b)).to_numpy().copy()
        todo = np.flatnonzero(~near)
        if len(todo):
            ta, tb = a[todo], b[todo]
            docs = sorted_unique(np.concatenate([ta, tb]))
            prepped = near_texts(texts.gather(docs), self.config, normalized_input=True)
            hashes, offsets = shingle_hashes(prepped, self.spec)
            similarity = pair_jaccard(
                ShingleHashes(docs, hashes, offsets), ta, tb, measure=self.config.measure
            )
            near[todo] = similarity >= self.config.threshold
        return near
