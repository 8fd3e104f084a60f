"""A model folder's content digest: blake2b of every file that decides what the model computes.

Model-aware metrics are cached by (row content, model content digest), never by the folder's path or name:
the same path holding other weights (a new checkpoint, a re-download) must not reuse stale scores. Every
regular file is hashed by its relative path and bytes, except documentation (`*.md`) and hidden files, which
decide nothing. Hashing reads the weights once per process (blake2b runs at ~1 GB/s); the answer is kept in
memory by (path, size, mtime) so several stages of one run pay it once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from winnow.curation.errors import UsageError

_CHUNK = 1 << 20
_memo: dict[tuple[str, int, int], str] = {}


def _file_digest(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    found = _memo.get(key)
    if found is None:
        digest = hashlib.blake2b(digest_size=16)
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        found = _memo[key] = digest.hexdigest()
    return found


def _counted(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return path.is_file() and not any(p.startswith(".") for p in parts) and path.suffix != ".md"


def model_digest(folder: str | Path) -> str:
    """blake2b (32 hex chars) over the sorted relative paths and bytes of the folder's files."""
    root = Path(folder)
    if not root.is_dir():
        raise UsageError(f"model folder not found: {root}", hint="give a local Hugging Face model folder")
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in root.rglob("*") if _counted(p, root)):
        digest.update(path.relative_to(root).as_posix().encode("utf-8"))
        digest.update(b"\0")
        digest.update(_file_digest(path).encode("ascii"))
        digest.update(b"\0")
    return digest.hexdigest()
