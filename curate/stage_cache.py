"""The stage cache: a stage's costly output reused when nothing it reads has changed (issue 24).

The metric cache (winnow.curation.cache) keeps per-row check metrics; this keeps what a whole stage computed
from a whole frame, so that the rule-tuning loop (change one threshold, run again) does not detect languages
or sign MinHash again when the change cannot reach them:

    cache = StageCache(ctx.cache_dir)
    key = cache.key("language", content=content_digest(frame), settings=repr(config_part), code=code_digest(...))
    hit = cache.load("language", key)          # StageOutput(columns, stats, tables) or None
    ...
    cache.save("language", key, StageOutput(columns, stats, tables))

The key is blake2b of every part the caller names; the caller names exactly what the cached output depends
on: the rows' content (`content_digest`, 64-bit hashes of each row's content columns, in order), any other column
the stage reads (`column_digest`: drop_reason for dedup, which compares only rows still kept), the resolved
settings that enter the computation (never a threshold applied afterwards), and the source code of the modules
that compute it (`code_digest`), so an edited detector is never answered by an old result. Polars' version and
CACHE_FORMAT enter every key (row keys use Polars' hash, which is not stable across versions).

Layout: CACHE_DIR/stages/<stage>/<key>/ holds columns.parquet (the cached columns, in frame row order),
stats.json and tables/<name>.parquet; the folder appears whole (written under a temporary name, then renamed),
so a killed run leaves a whole entry or none. The KEEP most recently used entries per stage are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import polars as pl
import xxhash

from winnow.curation.cache import handed_on_keys, row_keys

if TYPE_CHECKING:
    from winnow.curation.stages import StageContext

CACHE_FORMAT: Final = 1
KEEP: Final = 4  # entries per stage: the cold run's and a few variants the person is switching between
FOLDER: Final = "stages"
_PACKAGE_ROOT: Final = Path(__file__).resolve().parent


@dataclass
class StageOutput:
    columns: pl.DataFrame  # one row per frame row, in frame order
    stats: dict[str, Any] = field(default_factory=dict)  # JSON-native (what stats.json reads back)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)


def content_digest(frame: pl.DataFrame) -> str:
    """The rows' content, in order: one 64-bit hash per row of its content columns (the metric cache's
    row key with its first seed: every canonical column but id, source and line), digested with the row
    count. One seed, not the two of a row key: this names the whole frame, not a row among millions in a
    shared file, and the language, dedup, tasks and split stages each ask for it (1M rows: ~0.27 CPU-s a
    call instead of ~0.54)."""
    return keys_content_digest(row_keys(frame, seeds=1)["k1"])


def keys_content_digest(k1: pl.Series) -> str:
    """content_digest of a frame whose `row_keys(frame)["k1"]` is `k1` (the mappers hand their keys on)."""
    return f"{k1.len()}:{xxhash.xxh3_128(k1.rechunk().to_numpy().tobytes()).hexdigest()}"


def stage_content(frame: pl.DataFrame, ctx: StageContext) -> str:
    """content_digest(frame) for a stage, computed once per stretch of stages between two that change content
    (CONTENT_CHANGING: the mappers, the tasks stage; tests/test_stage_content.py runs every stage and checks
    that no other does): the language and dedup stages and the tasks stage's key share one digest, which each
    hashed from every row before (~0.25 CPU-s a stage at 1M rows). The run sets it after each changing stage
    (next_content: from the mappers' own row keys, without hashing); here it is computed when it was not."""
    if ctx.content is None or ctx.content[0] != frame.height:
        ctx.content = (frame.height, content_digest(frame))
    return ctx.content[1]


def next_content(
    frame: pl.DataFrame, before: tuple[int, str] | None, changed: tuple[str, ...] | None
) -> tuple[int, str] | None:
    """StageContext.content after a stage that changed the content columns `changed` (None: any, as the
    mappers): the digest before joined with those columns' digest when it was known (~20 ms instead of
    hashing every content column of every row again: ~0.35 s at 1M rows), the mappers' handed-on row keys
    when they hashed the rows, else None (the next stage_content computes it)."""
    if changed is not None:
        if before is None or before[0] != frame.height:
            return None
        return frame.height, f"{before[1]}|{column_digest(frame, changed)}"
    keys = handed_on_keys(frame)  # what the mappers hashed: the digest costs no pass over the rows
    return (frame.height, keys_content_digest(keys["k1"])) if keys is not None else None


def column_digest(frame: pl.DataFrame, names: Iterable[str]) -> str:
    """Exact values of the named columns (absent ones named as absent), in row order."""
    digest = xxhash.xxh3_128()
    for name in names:
        digest.update(f"|{name}|".encode())
        if name not in frame.columns:
            digest.update(b"absent")
            continue
        column = frame.get_column(name)
        digest.update(str(column.dtype).encode())
        # hash() is Polars' (not stable across versions: the version is part of every key); null-aware
        hashes = column.hash(seed=0x5EED_0003).rechunk().to_numpy()
        digest.update(hashes.tobytes())
        digest.update(column.is_null().rechunk().to_numpy().tobytes())
    return f"{frame.height}:{digest.hexdigest()}"


def code_digest(*packages: str) -> str:
    """The source of the named modules or folders of the curation package (relative names, e.g.
    "language", "ledger.py"): a change to any of them is a new key."""
    digest = hashlib.blake2b(digest_size=16)
    for name in packages:
        path = _PACKAGE_ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(_PACKAGE_ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


class StageCache:
    """Whole stage outputs on disk under CACHE_DIR/stages (directory None: nothing is cached)."""

    def __init__(self, cache_dir: Path | None, keep: int = KEEP) -> None:
        self.root = None if cache_dir is None else Path(cache_dir) / FOLDER
        self.keep = keep  # entries kept per stage

    @staticmethod
    def key(stage: str, **parts: str) -> str:
        payload = json.dumps(
            {"format": CACHE_FORMAT, "polars": pl.__version__, "stage": stage, **parts}, sort_keys=True
        )
        return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()

    def load(self, stage: str, key: str) -> StageOutput | None:
        """The entry, or None when missing or unreadable (a damaged entry is a miss, never an error)."""
        if self.root is None:
            return None
        folder = self.root / stage / key
        try:
            columns = pl.read_parquet(folder / "columns.parquet", glob=False)
            stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
            tables = {
                path.name: pl.read_parquet(path, glob=False) for path in sorted((folder / "tables").iterdir())
            }
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None
        os.utime(folder)  # most recently used: pruned last
        return StageOutput(columns, stats, tables)

    def save(self, stage: str, key: str, output: StageOutput) -> None:
        if self.root is None:
            return
        parent = self.root / stage
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=parent))
        try:
            # lz4: written and read back fastest (the tuning loop reads it on every run)
            output.columns.write_parquet(staging / "columns.parquet", compression="lz4")
            (staging / "stats.json").write_text(json.dumps(output.stats), encoding="utf-8")
            (staging / "tables").mkdir()
            for name, table in output.tables.items():
                table.write_parquet(staging / "tables" / name, compression="lz4")
            target = parent / key
            try:
                staging.rename(target)
            except OSError:
                if not target.is_dir():
                    raise
                # the same key written by another run meanwhile: the same content, theirs is kept
                shutil.rmtree(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._prune(parent)

    def _prune(self, parent: Path) -> None:
        """Keep the `keep` most recently used entries; remove staging folders a killed run left (an hour old:
        a run writing one now is never that slow to rename it). Other processes may prune or rename in this
        folder meanwhile (the ray engine's workers save their reads side by side): an entry that is gone by
        the time it is looked at is skipped, never an error."""
        entries, now = [], time.time()
        for path in parent.iterdir():
            used = _mtime(path)
            if used is None or not path.is_dir():
                continue
            if not path.name.startswith("."):
                entries.append((used, path))
            elif now - used > 3600:
                shutil.rmtree(path, ignore_errors=True)
        entries.sort(key=lambda entry: entry[0], reverse=True)
        for _, old in entries[self.keep :]:
            shutil.rmtree(old, ignore_errors=True)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class ContentStage:
    """A stage whose output is a function of the rows' content and its rule-file sections only (it reads no
    ledger, no id, no column an earlier stage adds): the run loop caches it whole (run_curate.run_stages)."""

    columns: tuple[str, ...]  # the columns it writes (replaced or added)
    sections: tuple[str, ...]  # the rule-file sections whose presence and settings it reads
    code: tuple[str, ...]  # code_digest parts


# tasks: label_tasks reads content columns (messages, input, tools, text, task, meta) and the tasks section;
# it runs when any of tasks/mix/split is present (defaults then), and its stats count every row
CONTENT_STAGES: Final = {
    "tasks": ContentStage(
        columns=("task", "task_source", "task_confidence"),
        sections=("tasks", "mix", "split"),
        code=("tasks", "record.py"),
    ),
}


def content_stage_key(
    name: str, spec: ContentStage, frame: pl.DataFrame, rules: dict[str, Any], ctx: StageContext
) -> str:
    present = [section for section in spec.sections if section in rules]
    return StageCache.key(
        name,
        content=stage_content(frame, ctx),
        settings=f"{present}|{rules.get(spec.sections[0])!r}",
        code=code_digest(*spec.code),
    )
