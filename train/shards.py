"""Read the shards written by `winnow shard`: manifest.json, <split>/<bucket>.parquet, tokenizer/.

Contract (COMMON.md): each bucket file has columns input_ids List(Int32), labels List(Int32) (-100 = not
trained), length Int32, id String, task String. Rows are held as flat numpy arrays plus offsets, so a
million rows cost two arrays, not a million Python lists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from winnow.curation.errors import WinnowError

IGNORE = -100
COLUMNS = ("input_ids", "labels", "length", "id", "task")


@dataclass
class Split:
    """All rows of one split: row i is tokens[offsets[i]:offsets[i+1]]; bucket[i] its bucket index."""

    name: str
    tokens: np.ndarray
    labels: np.ndarray
    offsets: np.ndarray
    bucket: np.ndarray
    ids: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.offsets[i], self.offsets[i + 1]
        return self.tokens[start:end], self.labels[start:end]

    @property
    def trainable_tokens(self) -> int:
        return int((self.labels != IGNORE).sum())


def read_manifest(shard_dir: Path) -> dict[str, Any]:
    path = Path(shard_dir) / "manifest.json"
    if not path.is_file():
        raise WinnowError(
            "no manifest.json: this is not a shard folder",
            where=str(shard_dir),
            hint="run `winnow shard` first",
        )
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise WinnowError(f"manifest.json is not valid JSON: {error}", where=str(path)) from error
    if manifest.get("version") != 1:
        raise WinnowError(
            f"unsupported shard version {manifest.get('version')!r} (expected 1)", where=str(path)
        )
    for key in ("tokenizer_fingerprint", "splits"):
        if key not in manifest:
            raise WinnowError(f"manifest.json lacks {key!r}", where=str(path))
    return manifest


def load_split(shard_dir: Path, manifest: dict[str, Any], split: str) -> Split:
    """Every bucket of one split, in manifest order; checks columns, lengths and label alignment."""
    splits = manifest["splits"]
    if split not in splits:
        raise WinnowError(
            f"split {split!r} is not in the shards (have: {', '.join(sorted(splits))})",
            where=str(Path(shard_dir) / "manifest.json"),
            hint="set data.train_split / data.eval_split",
        )
    tokens, labels, lengths, buckets, ids = [], [], [], [], []
    for index, entry in enumerate(splits[split]["buckets"]):
        path = Path(shard_dir) / entry["file"]
        frame = pl.read_parquet(path, glob=False)
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise WinnowError(f"bucket file lacks columns {missing}", where=str(path))
        if frame.height == 0:
            continue
        row_len = frame["input_ids"].list.len().to_numpy()
        if not np.array_equal(row_len, frame["labels"].list.len().to_numpy()):
            bad = int(np.argmax(row_len != frame["labels"].list.len().to_numpy()))
            raise WinnowError(
                "input_ids and labels differ in length", where=f"{path} row {bad} (id {frame['id'][bad]})"
            )
        if not np.array_equal(row_len, frame["length"].to_numpy()):
            bad = int(np.argmax(row_len != frame["length"].to_numpy()))
            raise WinnowError("length column does not match input_ids", where=f"{path} row {bad}")
        tokens.append(frame["input_ids"].explode().to_numpy().astype(np.int64))
        labels.append(frame["labels"].explode().to_numpy().astype(np.int64))
        lengths.append(row_len.astype(np.int64))
        buckets.append(np.full(frame.height, index, dtype=np.int64))
        ids.extend(frame["id"].to_list())
    if not ids:
        raise WinnowError(f"split {split!r} has no rows", where=str(shard_dir))
    all_lengths = np.concatenate(lengths)
    offsets = np.zeros(len(all_lengths) + 1, dtype=np.int64)
    np.cumsum(all_lengths, out=offsets[1:])
    return Split(split, np.concatenate(tokens), np.concatenate(labels), offsets, np.concatenate(buckets), ids)


def shard_accounting(manifest: dict[str, Any]) -> dict[str, Any]:
    """What `winnow shard` left out or shortened (rows of every split, before repeats), from the manifest.

    None where the manifest does not record it (shards written by something else): unknown, not zero.
    """
    dropped = manifest.get("dropped")
    dropped = dropped if isinstance(dropped, dict) else {}
    truncation = manifest.get("truncation")
    truncation = truncation if isinstance(truncation, dict) else {}
    by_reason = dropped.get("by_reason")
    return {
        "rows_in": manifest.get("rows_in"),
        "dropped_rows": dropped.get("rows"),
        "dropped_by_reason": dict(by_reason) if isinstance(by_reason, dict) else None,
        "truncated_rows": truncation.get("truncated_rows"),
        "truncation_policy": truncation.get("policy"),
    }


def describe_accounting(accounting: dict[str, Any]) -> str:
    """One line for a person: how many rows the shards dropped (and why) and truncated."""
    rows_in, dropped = accounting.get("rows_in"), accounting.get("dropped_rows")
    if dropped is None:
        text = "dropped: not recorded"
    else:
        reasons = accounting.get("dropped_by_reason") or {}
        why = ", ".join(f"{reason} {n:,}" for reason, n in sorted(reasons.items()))
        text = f"dropped {dropped:,}" + (f" of {rows_in:,} rows" if rows_in is not None else " rows")
        text += f" ({why})" if why else ""
    truncated = accounting.get("truncated_rows")
    return text + ("; truncated: not recorded" if truncated is None else f"; truncated {truncated:,}")


def load_shard_tokenizer(shard_dir: Path, manifest: dict[str, Any]) -> Any:
    """The tokenizer saved with the shards, refused when its fingerprint is not the manifest's."""
    from transformers import AutoTokenizer

    folder = Path(shard_dir) / "tokenizer"
    if not folder.is_dir():
        raise WinnowError("the shards carry no tokenizer/ folder", where=str(shard_dir))
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    check_fingerprint(tokenizer, manifest, str(folder))
    return tokenizer


def check_fingerprint(tokenizer: Any, manifest: dict[str, Any], where: str) -> None:
    from winnow.curation.shard.fingerprint import tokenizer_fingerprint

    found = tokenizer_fingerprint(tokenizer)
    if found != manifest["tokenizer_fingerprint"]:
        raise WinnowError(
            f"tokenizer fingerprint {found} differs from the shards' {manifest['tokenizer_fingerprint']}",
            where=where,
            hint="the shards were tokenized with another tokenizer: re-run `winnow shard` with this model's tokenizer",
        )
