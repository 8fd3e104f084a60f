"""Content fingerprints for the pipeline: a stage is redone only when the hash of what it reads changes.

Files are hashed by their bytes (not their names or times), so touching a file changes nothing and replacing a
tokenizer at the same path does.
"""

from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


def expand_inputs(patterns: Iterable[str]) -> list[Path]:
    """Files named by paths, folders (recursively) and globs, sorted; a pattern matching nothing stays as given.
    A path that exists is itself, never a pattern (`a[1].jsonl`), as in `winnow.curation.io.expand`."""
    files: list[Path] = []
    for pattern in patterns:
        matches = (
            [pattern] if Path(pattern).exists() else sorted(glob.glob(pattern, recursive=True)) or [pattern]
        )
        for match in matches:
            path = Path(match)
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return files


def hash_file(path: Path) -> bytes:
    """blake2b of one file's bytes; a missing file hashes as a marker."""
    digest = hashlib.blake2b(digest_size=16)
    if not path.is_file():
        digest.update(b"<missing>")
        return digest.digest()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.digest()


def hash_files(paths: Iterable[Path], memo: dict[Path, bytes] | None = None) -> str:
    """blake2b over every file's name and content digest.

    `memo` keeps each file's digest for the rest of a run: several steps read the same inputs, and a corpus
    should be read from disk once per run, not once per step that names it.
    """
    digest = hashlib.blake2b(digest_size=16)
    for path in paths:
        digest.update(str(path.name).encode())
        if memo is None:
            digest.update(hash_file(path))
            continue
        if path not in memo:
            memo[path] = hash_file(path)
        digest.update(memo[path])
    return digest.hexdigest()


def hash_value(*parts: Any) -> str:
    payload = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode()
    return hashlib.blake2b(payload, digest_size=16).hexdigest()
