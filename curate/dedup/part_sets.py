"""The shingle sets of one part (prompt or reply) of the documents, cut once per run for the part check.

    sets = PartSets(texts, config, spec)
    sets.similarity(a, b)    # the configured measure of part(a[i]) and part(b[i])

The part check (winnow.curation.dedup.parts) is asked once per verification chunk, and a document of a big
cluster sits in pairs of many chunks: at 100k planted conversation rows its 143k part lookups were 100k
documents, each normalized, shingled and hashed again in every chunk that asked. Here a document's
part is cut the first time it is asked for and its sorted set kept for the later chunks. The sets are
what `pair_jaccard` builds from the same texts (the same shingles of the same text; a document's set does
not depend on the others it is cut with) and measured with the same compiled merge and formula, so every
measure is the same float.
"""

from __future__ import annotations

import numpy as np

from winnow.curation.dedup.config import NearConfig
from winnow.curation.dedup.keys import Texts
from winnow.curation.dedup.near import near_texts
from winnow.curation.dedup.shingles import ShingleSpec
from winnow.curation.dedup.signing import shingle_hashes
from winnow.curation.dedup.verify import DocSets, ShingleHashes, _intersections, sorted_unique


class PartSets:
    """Shingle sets of one part's documents (indices into `texts`), cut when first asked for.

    The sets sit in one growing buffer, each document's at bounds[2d]:bounds[2d + 1] (-1: not cut yet), so
    a chunk adds its new documents at the end without moving the others (merging sorted tables moved every
    set again in every chunk: 0.9 of the check's 4.8 CPU-s at 200k rows)."""

    def __init__(self, texts: Texts, config: NearConfig, spec: ShingleSpec) -> None:
        self.texts, self.config, self.spec = texts, config, spec
        self.bounds = np.full(2 * len(texts), -1, dtype=np.int64)
        self.values = np.zeros(0, dtype=np.uint64)
        self.used = 0  # values written
        self.count = 0  # documents cut

    def __len__(self) -> int:
        return self.count

    def similarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The configured measure of the parts of documents a[i] and b[i] (DocSets.similarity's formula)."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        self._add(np.concatenate([a, b]))
        # bounds is an offsets table read at 2d and 2d + 1: the compiled merge of verify.py, unchanged
        inter = _intersections(self.values, self.bounds, 2 * a, 2 * b).astype(np.float64)
        sizes = self.bounds[1::2] - self.bounds[0::2]
        if self.config.measure == "containment":
            below = np.minimum(sizes[a], sizes[b]).astype(np.float64)
        else:
            below = sizes[a] + sizes[b] - inter
        return np.divide(inter, below, out=np.zeros_like(inter), where=below > 0)

    def _add(self, docs: np.ndarray) -> None:
        docs = sorted_unique(docs)
        new = docs[self.bounds[2 * docs] < 0]
        if len(new) == 0:
            return
        prepped = near_texts(self.texts.gather(new), self.config, normalized_input=True)
        hashes, offsets = shingle_hashes(prepped, self.spec)
        fresh = DocSets.build(ShingleHashes(new, hashes, offsets), new)
        end = self.used + len(fresh.values)
        if end > len(self.values):  # doubling: each value is copied O(1) times over the run
            grown = np.zeros(max(end, 2 * len(self.values)), dtype=np.uint64)
            grown[: self.used] = self.values[: self.used]
            self.values = grown
        self.values[self.used : end] = fresh.values
        self.bounds[2 * new] = self.used + fresh.offsets[:-1]
        self.bounds[2 * new + 1] = self.used + fresh.offsets[1:]
        self.used = end
        self.count += len(new)
