"""n-gram detector answers cached by content: one Parquet file of (key, lang) in the run's cache folder.

The key is blake2b of the detector version (winnow.curation.language.detect.DETECTOR_VERSION: langdetect's version
and the scoring), candidate languages and the exact text sample, so a new langdetect, another scoring (the
sampled langdetect of winnow-3 and earlier) or another candidate list never reuses a stale answer. Only
detector answers are cached: the script pass is a few vectorised regex counts and recomputing it is cheaper
than a join. The file is rewritten atomically, so a killed run leaves the old cache or the new one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

import polars as pl

from winnow.curation.atomic import write_parquet

CACHE_FILE: Final = "language/langdetect.parquet"
_SCHEMA: Final = pl.Schema({"key": pl.String(), "lang": pl.String()})


def cache_key(detector: str, candidates: tuple[str, ...], sample: str) -> str:
    payload = "\x1f".join([detector, ",".join(candidates), sample]).encode("utf-8")
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


class LanguageCache:
    """Answers by key; `load` from disk (missing or unreadable file = empty), `save` only when it grew."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.path = None if cache_dir is None else Path(cache_dir) / CACHE_FILE
        self._answers: dict[str, str] = {}
        self._new: dict[str, str] = {}

    def load(self) -> LanguageCache:
        if self.path is not None and self.path.exists():
            try:
                frame = pl.read_parquet(self.path, glob=False)
            except (OSError, pl.exceptions.ComputeError):
                return self  # a damaged cache is only a slower run, never a wrong one
            if frame.schema == _SCHEMA:
                self._answers = dict(zip(frame["key"].to_list(), frame["lang"].to_list(), strict=True))
        return self

    def get(self, key: str) -> str | None:
        return self._answers.get(key)

    def put(self, key: str, lang: str) -> None:
        if key not in self._answers:
            self._answers[key] = lang
            self._new[key] = lang

    @property
    def new_entries(self) -> int:
        return len(self._new)

    def __len__(self) -> int:
        return len(self._answers)

    def save(self) -> None:
        if self.path is None or not self._new:
            return
        frame = pl.DataFrame(
            {"key": list(self._answers), "lang": list(self._answers.values())}, schema=_SCHEMA
        )
        write_parquet(self.path, frame)
        self._new.clear()
