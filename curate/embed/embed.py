"""The cached entry point: texts in, vectors out, each distinct text encoded once per encoder.

    embedder = Embedder(EncoderSettings(model="models/all-MiniLM-L6-v2"), cache_dir=Path(".cache"))
    vectors = embedder.embed(texts)         # (n, d) float32, input order

Equal texts are encoded once; texts seen by an earlier run with the same encoder bytes come from the cache
(winnow.curation.embed.cache). torch and transformers are imported only when an Embedder is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from winnow.curation.embed.cache import VectorCache, cache_file, text_key
from winnow.curation.embed.settings import EncoderSettings
from winnow.curation.scores.digest import model_digest


@dataclass
class EmbedStats:
    texts: int = 0
    distinct: int = 0
    from_cache: int = 0
    encoded: int = 0


class Embedder:
    def __init__(self, settings: EncoderSettings, cache_dir: Path | None) -> None:
        from winnow.curation.embed.encoder import TextEncoder

        self.encoder = TextEncoder(settings)
        self.digest = model_digest(settings.model)
        pooling = self.encoder.pooling
        variant = f"{pooling.mode}|{pooling.normalize}|{self.encoder.max_length}"
        path = None if cache_dir is None else cache_file(cache_dir, self.digest, variant)
        self.cache = VectorCache(path, self.encoder.dimension).load()
        self.stats = EmbedStats()

    def embed(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        distinct = list(first)
        positions, _ = self.cache.lookup(distinct)
        missing = [k for k, p in zip(distinct, positions, strict=True) if p < 0]
        if missing:
            report = (lambda done: progress(done, len(missing))) if progress is not None else None
            vectors = self.encoder.encode([texts[first[k]] for k in missing], report)
            self.cache.add(missing, vectors)
            self.cache.save()
        positions, vectors = self.cache.lookup(keys)
        self.stats.texts += len(texts)
        self.stats.distinct += len(distinct)
        self.stats.encoded += len(missing)
        self.stats.from_cache += len(distinct) - len(missing)
        return vectors
