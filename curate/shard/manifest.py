"""manifest.json: what the trainer reads first, and the cache key that makes re-sharding a no-op.

Layout (COMMON.md contract; keys may only be added):

    {"version": 1, "tokenizer_fingerprint", "template": {"name", "text"}, "max_len", "masking": {...},
     "truncation": {...}, "splits": {split: {"buckets": [{"file", "min_len", "max_len", "rows", "tokens",
     "trainable_tokens"}], "rows", "tokens", "trainable_tokens"}},
     added here: "cache_key", "settings", "input", "rows_in", "bucket_bounds", "padding", "preference",
     "dropped", "tokenizer_dir", "created"}

The cache key hashes the content of kept.parquet, every setting, the tokenizer fingerprint (which covers
the chat template used) and the manifest version: any change to any of them re-shards.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl

from curate.shard.settings import ShardSettings

MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"


def file_digest(path: Path) -> str:
    """blake2b of a file's bytes (kept.parquet: same rows written the same way give the same digest)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(input_digest: str, settings: ShardSettings, fingerprint: str) -> str:
    payload = {
        "version": MANIFEST_VERSION,
        "input": input_digest,
        "settings": settings.as_dict(),
        "tokenizer": fingerprint,
    }
    return hashlib.blake2b(json.dumps(payload, sort_keys=True).encode(), digest_size=16).hexdigest()


def read_manifest(shard_dir: Path) -> dict[str, Any] | None:
    path = shard_dir / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def manifest_files(manifest: dict[str, Any]) -> list[str]:
    """Every file the manifest names (relative to the shard folder)."""
    files = [b["file"] for split in manifest.get("splits", {}).values() for b in split["buckets"]]
    files += [p["file"] for p in manifest.get("preference", {}).values()]
    if "dropped" in manifest:
        files.append(manifest["dropped"]["file"])
    return files


def up_to_date(shard_dir: Path, key: str) -> dict[str, Any] | None:
    """The existing manifest when the folder already holds shards for this cache key, else None."""
    manifest = read_manifest(shard_dir)
    if manifest is None or manifest.get("cache_key") != key:
        return None
    if not all((shard_dir / f).is_file() for f in manifest_files(manifest)):
        return None
    if not (shard_dir / manifest.get("tokenizer_dir", "tokenizer")).is_dir():
        return None
    return manifest


def trainable_expr() -> pl.Expr:
    return pl.col("labels").list.eval((pl.element() != -100).cast(pl.Int64)).list.sum()


def bucket_entry(frame: pl.DataFrame, file: str, lo: int, hi: int) -> dict[str, Any]:
    stats = frame.select(
        pl.len().alias("rows"),
        pl.col("length").cast(pl.Int64).sum().alias("tokens"),
        trainable_expr().sum().alias("trainable_tokens"),
    ).row(0, named=True)
    return {
        "file": file,
        "min_len": lo,
        "max_len": hi,
        "rows": int(stats["rows"]),
        "tokens": int(stats["tokens"] or 0),
        "trainable_tokens": int(stats["trainable_tokens"] or 0),
    }


def split_entry(buckets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "buckets": buckets,
        "rows": sum(b["rows"] for b in buckets),
        "tokens": sum(b["tokens"] for b in buckets),
        "trainable_tokens": sum(b["trainable_tokens"] for b in buckets),
    }
