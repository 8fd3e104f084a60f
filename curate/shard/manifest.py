"""manifest.json: what the trainer reads first, and the cache key that makes re-sharding a no-op.

Layout (COMMON.md contract; keys may only be added):

    {"version": 1, "tokenizer_fingerprint", "template": {"name", "text"}, "max_len", "masking": {...},
     "truncation": {...}, "splits": {split: {"buckets": [{"file", "min_len", "max_len", "rows", "tokens",
     "trainable_tokens"}], "rows", "tokens", "trainable_tokens"}},
     added here: "cache_key", "settings", "input", "rows_in", "bucket_bounds", "buckets_source", "padding",
     "preference", "dropped", "tokenizer_dir", "created"; and masking.located: {"layout" (what the template
     renders around every reply, learned once from probe conversations; null when not learnable),
     "by_prefixes" (conversations whose replies needed prefix renderings instead)}}

The cache key hashes the content of kept.parquet, every setting, the tokenizer fingerprint (which covers
the chat template used) and the manifest version: any change to any of them re-shards.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.shard.labels import IGNORE
from winnow.curation.shard.settings import ShardSettings
from winnow.curation.shard.spans import THINK_BLOCK_DECISION

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


@dataclass(frozen=True)
class RunIdentity:
    """What the shards were made from: template, tokenizer fingerprint, input digest and the cache key."""

    template_name: str
    template_text: str
    fingerprint: str
    cache_key: str
    kept_path: str
    kept_digest: str


def build_manifest(
    identity: RunIdentity,
    settings: ShardSettings,
    *,
    splits: dict[str, Any],
    bounds: list[int],
    padding: dict[str, Any],
    preference: dict[str, Any],
    dropped: dict[str, int],
    rows_in: int,
    truncated_rows: int,
    located: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "version": MANIFEST_VERSION,
        "tokenizer_fingerprint": identity.fingerprint,
        "template": {"name": identity.template_name, "text": identity.template_text},
        "max_len": settings.max_len,
        "masking": {
            "label_ignore_index": IGNORE,
            "assistant_turns": "last" if settings.last_turn_only else "all",
            "train_on_prompt": settings.train_on_prompt,
            "end_of_turn": "trained (the end-of-turn marker closing each reply)",
            "assistant_header": "not trained",
            "system_and_tool_results": "never trained",
            "tool_calls": "trained (they are the model's output)",
            "think_block": THINK_BLOCK_DECISION,
            "pretrain": "labels = input_ids (bos + text + eos)",
            # how replies were found: the layout learned once for the template (None: not learnable) and
            # how many conversations needed the prefix renderings instead (winnow.curation.shard.layout)
            "located": located or {},
        },
        "truncation": {
            "policy": "truncate_last_response" if settings.truncate else "drop",
            "truncated_rows": truncated_rows,
        },
        "splits": splits,
        "bucket_bounds": bounds,
        "buckets_source": "configured" if settings.buckets is not None else "auto",
        "padding": padding,
        "preference": preference,
        "dropped": {"file": "dropped.parquet", "rows": sum(dropped.values()), "by_reason": dropped},
        "rows_in": rows_in,
        "input": {"kept": identity.kept_path, "digest": identity.kept_digest},
        "settings": settings.as_dict(),
        "cache_key": identity.cache_key,
        "tokenizer_dir": "tokenizer",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
