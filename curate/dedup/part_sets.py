"""The shingle sets of one part (prompt or reply) of the documents, cut once per run for the part check.

    sets = PartSets(texts, config, spec)
    sets.similarity(a, b)    # the configured measure of part(a[i]) and part(b[i])

The part check (winnow.curation.dedup.parts) is asked once per verification chunk, and a document of a big
cluster sits in pairs of many chunks: at 100k planted conversation rows its 143k part lookups were 100k
documents, each normalized, shingled and SHA-1 hashed again in every chunk that asked. Here a document's
part is cut the first time it is asked for and its sorted set kept, so later chunks only merge. The sets
are what `pair_jaccard` builds from the same texts (the same shingles of the same text; a document's set
does not depend on the others it is cut with), so every measure is the same float.
"""

from __future__ import annotations

import numpy as np

from winnow.curation.dedup.config import NearConfig
from winnow.curation.dedup.keys import Texts
from winnow.curation.dedup.near import near_texts
from winnow.curation.dedup.shingles import ShingleSpec
from winnow.curation.dedup.signing import shingle_hashes
from winnow.curation.dedup.verify import DocSets, ShingleHashes, ranges, sorted_unique


def merged(first: DocSets, second: DocSets) -> DocSets:
    """The sets of both tables in one, ordered by document (the documents of the two are distinct)."""
    docs = np.concatenate([first.docs, second.docs])
    order = np.argsort(docs, kind="stable")
    sizes = np.concatenate([np.diff(first.offsets), np.diff(second.offsets)])[order]
    starts = np.concatenate([first.offsets[:-1], second.offsets[:-1] + len(first.values)])[order]
    values = np.concatenate([first.values, second.values])[ranges(starts, sizes)]
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return DocSets(docs[order], values, offsets)


class PartSets:
    """Shingle sets of one part's documents (indices into `texts`), cut when first asked for."""

    def __init__(self, texts: Texts, config: NearConfig, spec: ShingleSpec) -> None:
        self.texts, self.config, self.spec = texts, config, spec
        empty = np.zeros(0, dtype=np.int64)
        self.sets = DocSets(empty, np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.sets.docs)

    def similarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The configured measure of the parts of documents a[i] and b[i]."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        self._add(np.concatenate([a, b]))
        return self.sets.similarity(a, b, self.config.measure)

    def _add(self, docs: np.ndarray) -> None:
        docs = sorted_unique(docs)
        known = self.sets.docs
        position = np.minimum(np.searchsorted(known, docs), max(len(known) - 1, 0))
        new = docs if len(known) == 0 else docs[known[position] != docs]
        if len(new) == 0:
            return
        prepped = near_texts(self.texts.gather(new), self.config, normalized_input=True)
        hashes, offsets = shingle_hashes(prepped, self.spec)
        fresh = DocSets.build(ShingleHashes(new, hashes, offsets), new)
        self.sets = fresh if len(known) == 0 else merged(self.sets, fresh)
