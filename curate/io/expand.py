"""Turn the inputs a person names (files, folders, globs, registry references) into sources to read."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from curate.errors import UsageError
from curate.formats.base import Format
from curate.io.files import is_hf_folder
from curate.io.llama_factory import load_entry, split_registry_ref

SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".txt": "txt"}


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # json | jsonl | parquet | txt | hf
    name: str  # what the `source` column says
    fmt: Format | None = None  # fixed by a registry entry


def expand(inputs: Sequence[str | Path]) -> list[Source]:
    sources: list[Source] = []
    for item in inputs:
        text = str(item)
        ref = split_registry_ref(text)
        if ref is not None:
            registry, name = ref
            path, fmt = load_entry(registry, name)
            found = _expand_path(path, explicit=True)
            sources.extend(Source(s.path, s.kind, f"{name}:{s.name}", fmt) for s in found)
            continue
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise UsageError(f"no file matches {text!r}")
            for match in matches:
                sources.extend(_expand_path(Path(match), explicit=False))
            continue
        sources.extend(_expand_path(Path(text), explicit=True))
    if not sources:
        raise UsageError(
            "no input files found", hint="name .json/.jsonl/.parquet/.txt files, folders or globs"
        )
    return sources


def _expand_path(path: Path, *, explicit: bool) -> list[Source]:
    if not path.exists():
        raise UsageError(f"no such file or folder: {path}")
    if is_hf_folder(path):
        return [Source(path, "hf", str(path))]
    if path.is_dir():
        found: list[Source] = []
        for child in sorted(path.iterdir()):
            if child.name.startswith(".") or child.name == "dataset_info.json":
                continue
            if child.is_dir() or child.suffix.lower() in SUFFIXES:
                found.extend(_expand_path(child, explicit=False))
        return found
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        if explicit:
            raise UsageError(
                f"{path}: unsupported file type {path.suffix or '(none)'}",
                hint="winnow reads .json, .jsonl, .parquet, .txt and save_to_disk folders",
            )
        return []
    return [Source(path, kind, str(path))]
