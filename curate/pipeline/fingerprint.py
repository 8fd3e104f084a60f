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
    """Files named by paths, folders (recursively) and globs, sorted; a pattern matching nothing stays as given."""
    files: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True)) or [pattern]
        for match in matches:
            path = Path(match)
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return files


def hash_files(paths: Iterable[Path]) -> str:
    """blake2b over the bytes of every file (a missing file hashes as its name plus a marker)."""
    digest = hashlib.blake2b(digest_size=16)
    for path in paths:
        digest.update(str(path.name).encode())
        if not path.is_file():
            digest.update(b"<missing>")
            continue
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def hash_value(*parts: Any) -> str:
    payload = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode()
    return hashlib.blake2b(payload, digest_size=16).hexdigest()
