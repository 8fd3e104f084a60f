"""Scores cached by (row content, model content digest, chat template): one Parquet file per model+template.

The file name is blake2b of the score version, the model folder's content digest
(`winnow.curation.scores.digest`), the chat template's text, the dtype and the longest sequence scored, so another model,
other weights at the same path or another template reads another file (a cold cache, never a stale score).
Inside, a row's key is blake2b of the conversation that is scored (`winnow.curation.scores.rows`): the same
conversation in another file, under another id or with other metadata reuses its scores. Written atomically
and only when it grew; an unreadable file is an empty cache (a slower run, never a wrong one).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final

import polars as pl

from winnow.curation.atomic import write_parquet

SCORES_VERSION: Final = 1  # bump when what a score means changes (rows scored, loss definition)
_SCHEMA: Final = pl.Schema(
    {"key": pl.String(), "loss_with_prompt": pl.Float64(), "loss_without_prompt": pl.Float64()}
)


def row_key(conversation: dict[str, Any]) -> str:
    payload = json.dumps(conversation, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def cache_file(cache_dir: Path, model_digest: str, template_text: str, variant: str) -> Path:
    """`variant`: what else decides a score (the dtype the model runs in, the longest sequence scored)."""
    payload = "\x1f".join([str(SCORES_VERSION), model_digest, template_text, variant]).encode("utf-8")
    return cache_dir / "model_scores" / f"{hashlib.blake2b(payload, digest_size=16).hexdigest()}.parquet"


class ScoreCache:
    """(loss with prompt, loss without) by row key; `load` from disk, `save` when new scores were added."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._scores: dict[str, tuple[float, float]] = {}
        self._new = 0

    def load(self) -> ScoreCache:
        if self.path is not None and self.path.exists():
            try:
                frame = pl.read_parquet(self.path, glob=False)
            except (OSError, pl.exceptions.ComputeError):
                return self
            if frame.schema == _SCHEMA:
                self._scores = {
                    key: (with_prompt, without) for key, with_prompt, without in frame.iter_rows()
                }
        return self

    def get(self, key: str) -> tuple[float, float] | None:
        return self._scores.get(key)

    def put(self, key: str, scores: tuple[float, float]) -> None:
        if key not in self._scores:
            self._scores[key] = scores
            self._new += 1

    @property
    def new_entries(self) -> int:
        return self._new

    def save(self) -> None:
        if self.path is None or not self._new:
            return
        keys = list(self._scores)
        frame = pl.DataFrame(
            {
                "key": keys,
                "loss_with_prompt": [self._scores[k][0] for k in keys],
                "loss_without_prompt": [self._scores[k][1] for k in keys],
            },
            schema=_SCHEMA,
        )
        write_parquet(self.path, frame)
        self._new = 0
