"""Atomic file writes: write to a temporary name in the same folder, then rename.

A run killed at any moment leaves either the old file or the new one, never half a file that a later
stage would trust.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl
from polars._typing import ParquetCompression


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it is renamed onto `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    # mkstemp creates the file owner-only; give it the permissions a plain open() would (0o666 minus umask)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_name, 0o666 & ~umask)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    with atomic_path(path) as tmp, open(tmp, mode, encoding=None if "b" in mode else encoding) as handle:
        yield handle


def write_json(path: str | os.PathLike[str], value: Any) -> None:
    with atomic_open(path) as handle:
        json.dump(value, handle, ensure_ascii=False, indent=2, sort_keys=False, default=str)
        handle.write("\n")


def write_parquet(
    path: str | os.PathLike[str], frame: pl.DataFrame, compression: ParquetCompression = "zstd"
) -> None:
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp, compression=compression)
