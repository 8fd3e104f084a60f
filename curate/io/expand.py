"""Turn the inputs a person names (files, folders, globs, registry references) into sources to read."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from winnow.curation.errors import UsageError
from winnow.curation.formats.base import Format
from winnow.curation.io.files import is_hf_folder
from winnow.curation.io.llama_factory import load_entry, split_registry_ref
from winnow.curation.io.streams import COMPRESSIONS

SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".txt": "txt"}
COMPRESSED_KINDS = {"json", "jsonl"}  # read through winnow.curation.io.streams; Parquet compresses itself
REGISTRY = "a LLaMA-Factory registry: name an entry as PATH/dataset_info.json:NAME"
READABLE = ".json, .jsonl, .ndjson (each also .gz or .zst), .parquet, .txt and save_to_disk folders"


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # json | jsonl | parquet | txt | hf
    name: str  # what the `source` column says
    fmt: Format | None = None  # fixed by a registry entry
    compression: str | None = None  # gzip | zstd (winnow.curation.io.streams)


@dataclass(frozen=True)
class Skipped:
    """A file or folder that a folder or glob named but winnow did not read, and why."""

    path: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


def expand(inputs: Sequence[str | Path]) -> tuple[list[Source], list[Skipped]]:
    """The sources to read, and every entry of a named folder or glob that is not read (with its reason)."""
    sources: list[Source] = []
    skipped: list[Skipped] = []
    for item in inputs:
        text = str(item)
        ref = split_registry_ref(text)
        if ref is not None:
            registry, name = ref
            path, fmt = load_entry(registry, name)
            found = _expand_path(path, skipped, explicit=True)
            sources.extend(Source(s.path, s.kind, f"{name}:{s.name}", fmt, s.compression) for s in found)
            continue
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise UsageError(f"no file matches {text!r}")
            for match in matches:
                sources.extend(_expand_path(Path(match), skipped, explicit=False))
            continue
        sources.extend(_expand_path(Path(text), skipped, explicit=True))
    if not sources:
        listed = "; ".join(f"{s.path} ({s.reason})" for s in skipped[:5])
        more = f"; … {len(skipped) - 5} more" if len(skipped) > 5 else ""
        hint = f"skipped: {listed}{more}" if skipped else f"name {READABLE}"
        raise UsageError("no input files found", hint=hint)
    return sources, skipped


def _expand_path(path: Path, skipped: list[Skipped], *, explicit: bool) -> list[Source]:
    if not path.exists():
        raise UsageError(f"no such file or folder: {path}")
    if is_hf_folder(path):
        return [Source(path, "hf", str(path))]
    if path.is_dir():
        found: list[Source] = []
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                skipped.append(Skipped(str(child), "hidden (the name starts with '.')"))
            else:
                found.extend(_expand_path(child, skipped, explicit=False))
        return found
    if path.name == "dataset_info.json" and not explicit:
        skipped.append(Skipped(str(path), REGISTRY))
        return []
    kind, compression, problem = _kind_of(path)
    if problem is not None:
        if explicit:
            raise UsageError(f"{path}: {problem}", hint=f"winnow reads {READABLE}")
        skipped.append(Skipped(str(path), problem))
        return []
    return [Source(path, kind, str(path), compression=compression)]


def _kind_of(path: Path) -> tuple[str, str | None, str | None]:
    """(kind, compression, None), or ("", None, why the file is not read)."""
    suffix = path.suffix.lower()
    compression = COMPRESSIONS.get(suffix)
    inner = Path(path.stem).suffix.lower() if compression else suffix
    kind = SUFFIXES.get(inner)
    if kind is None:
        return "", None, f"unsupported file type {(inner + suffix if compression else suffix) or '(none)'}"
    if compression and kind not in COMPRESSED_KINDS:
        return "", None, f"compressed {inner} is not read (only .json and .jsonl files are decompressed)"
    return kind, compression, None
