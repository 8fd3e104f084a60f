"""Vectors cached by (text, model content digest): one Parquet file per encoder and settings.

The file name is blake2b of the embedding version, the encoder folder's content digest
(`winnow.curation.scores.digest`), its pooling and the truncation length, so other weights at the same path
read another file. Inside, a text's key is blake2b of the text. Written atomically and only when it grew;
an unreadable file is an empty cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from winnow.curation.atomic import write_parquet

EMBED_VERSION: Final = 1


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def cache_file(cache_dir: Path, model_digest: str, variant: str) -> Path:
    payload = "\x1f".join([str(EMBED_VERSION), model_digest, variant]).encode("utf-8")
    return cache_dir / "embeddings" / f"{hashlib.blake2b(payload, digest_size=16).hexdigest()}.parquet"


class VectorCache:
    """Vectors by text key; `load` from disk, `save` when vectors were added."""

    def __init__(self, path: Path | None, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        self._keys: dict[str, int] = {}
        self._vectors = np.zeros((0, dimension), dtype=np.float32)
        self._pending: list[np.ndarray] = []
        self._new = 0

    def load(self) -> VectorCache:
        if self.path is None or not self.path.exists():
            return self
        try:
            frame = pl.read_parquet(self.path, glob=False)
        except (OSError, pl.exceptions.ComputeError):
            return self
        if frame.columns != ["key", "vector"] or frame.schema["vector"] != pl.Array(
            pl.Float32, self.dimension
        ):
            return self
        self._keys = {key: i for i, key in enumerate(frame["key"].to_list())}
        self._vectors = frame["vector"].to_numpy().astype(np.float32, copy=False).reshape(-1, self.dimension)
        return self

    def lookup(self, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(positions into the cache, -1 where missing; the cached vectors of the found ones)."""
        positions = np.array([self._keys.get(k, -1) for k in keys], dtype=np.int64)
        return positions, self._vectors[positions[positions >= 0]]

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        fresh = [i for i, key in enumerate(keys) if key not in self._keys]
        for i in fresh:
            self._keys[keys[i]] = len(self._keys)
        if fresh:
            self._vectors = np.concatenate([self._vectors, vectors[fresh]])
            self._new += len(fresh)

    def save(self) -> None:
        if self.path is None or not self._new:
            return
        frame = pl.DataFrame(
            {
                "key": list(self._keys),
                "vector": pl.Series(self._vectors, dtype=pl.Array(pl.Float32, self.dimension)),
            }
        )
        write_parquet(self.path, frame)
        self._new = 0
