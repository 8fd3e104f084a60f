"""`winnow shard`: RUNDIR/kept.parquet -> SHARDDIR (bucketed Parquet shards, ledger, tokenizer, manifest).

    shard_run(run_dir, tokenizer_path, out_dir, ShardSettings(...)) -> ShardResult

RUNDIR is checked first (winnow.curation.run_folder.check_run_folder): a folder whose files are not all from one
curate run is refused. Everything is written into a staging folder next to SHARDDIR and swapped in at the
end (winnow.curation.atomic.atomic_folder), so a killed run leaves the old shards or the new ones, never a mix.
When SHARDDIR's manifest already carries this run's cache key (same kept.parquet content, settings and
tokenizer fingerprint) nothing is done.
Every input row ends in a shard or in SHARDDIR/dropped.parquet with its reason; that is checked before the swap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.atomic import atomic_folder, write_json, write_parquet
from winnow.curation.errors import StageError, UsageError
from winnow.curation.run_folder import KEPT, check_run_folder
from winnow.curation.shard import buckets as bk
from winnow.curation.shard.fingerprint import tokenizer_fingerprint
from winnow.curation.shard.manifest import (
    MANIFEST_NAME,
    RunIdentity,
    bucket_entry,
    build_manifest,
    cache_key,
    file_digest,
    split_entry,
    up_to_date,
)
from winnow.curation.shard.parallel import ChunkResult, default_workers, encode_chunks
from winnow.curation.shard.settings import ShardSettings
from winnow.curation.shard.templates import resolve_template
from winnow.curation.shard.tokenize import ROW_COLUMNS, Encoder


@dataclass(frozen=True)
class ShardResult:
    out_dir: Path
    manifest: dict[str, Any]
    reused: bool  # True when the shards were already up to date


def load_tokenizer(path: str | Path) -> Any:
    from transformers import AutoTokenizer  # heavy import, only when sharding

    try:
        return AutoTokenizer.from_pretrained(str(path), trust_remote_code=False)
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot load a tokenizer from {path}: {error}") from error


def _input_frame(kept_path: Path) -> pl.DataFrame:
    frame = pl.read_parquet(kept_path, glob=False)
    missing = [c for c in ("id", "kind") if c not in frame.columns]
    if missing:
        raise UsageError(f"{kept_path}: missing column(s) {', '.join(missing)}; is this a winnow run folder?")
    extra = [pl.lit(None, pl.String).alias(c) for c in ROW_COLUMNS if c not in frame.columns]
    frame = frame.with_columns(extra)
    split = (
        pl.col("split").cast(pl.String).fill_null("train") if "split" in frame.columns else pl.lit("train")
    )
    repeats = pl.col("repeats").cast(pl.Int64).fill_null(1) if "repeats" in frame.columns else pl.lit(1)
    return frame.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
        split.alias("split"),
        # repeats apply to training only: val/test measure the data as it is
        pl.when(split == "train").then(pl.max_horizontal(repeats, pl.lit(1))).otherwise(1).alias("repeats"),
        pl.col("kind").cast(pl.String),
    )


def _with_rows(part: pl.DataFrame, frame: pl.DataFrame, repeat: bool) -> pl.DataFrame:
    meta = frame.select("row", "id", pl.col("task").cast(pl.String), "split", "repeats")
    joined = part.join(meta, on="row", how="left").sort("row")
    if repeat:
        joined = (
            joined.with_columns(pl.int_ranges(pl.col("repeats")).alias("copy")).explode("copy").drop("copy")
        )
    return joined


def _write_splits(sft: pl.DataFrame, bounds: list[int], tmp: Path) -> dict[str, Any]:
    splits: dict[str, Any] = {}
    sft = sft.with_columns(pl.col("input_ids").list.len().cast(pl.Int32).alias("length"))
    order = sorted(sft["split"].unique().to_list(), key=lambda s: (s != "train", s))
    for split in order:
        entries = []
        for i, hi in enumerate(bounds):
            lo = bounds[i - 1] + 1 if i else 1
            part = sft.filter((pl.col("split") == split) & pl.col("length").is_between(lo, hi))
            if part.height == 0:
                continue
            rel = f"{split}/len{lo:05d}-{hi:05d}.parquet"
            write_parquet(tmp / rel, part.select("input_ids", "labels", "length", "id", "task"))
            entries.append(bucket_entry(part, rel, lo, hi))
        splits[split] = split_entry(entries)
    return splits


def _write_preference(pref: pl.DataFrame, tmp: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if pref.height == 0:
        return out
    pref = pref.with_columns(
        pl.max_horizontal(pl.col("chosen_input_ids").list.len(), pl.col("rejected_input_ids").list.len())
        .cast(pl.Int32)
        .alias("length")
    )
    columns = ["id", "task", "prompt_length", "chosen_input_ids", "chosen_labels"]
    columns += ["rejected_input_ids", "rejected_labels", "length"]
    for split in sorted(pref["split"].unique().to_list()):
        part = pref.filter(pl.col("split") == split).select(columns)
        rel = f"preference/{split}.parquet"
        write_parquet(tmp / rel, part)
        out[split] = {"file": rel, "rows": part.height, "tokens": int(part["length"].cast(pl.Int64).sum())}
    return out


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and (
        not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MANIFEST_NAME).exists())
    ):
        raise UsageError(
            f"{out_dir} exists and is not a winnow shard folder; refusing to replace it",
            hint="pick a new -o folder or remove it yourself",
        )


def shard_run(
    run_dir: str | Path,
    tokenizer_path: str | Path,
    out_dir: str | Path,
    settings: ShardSettings,
    *,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ShardResult:
    """Tokenize RUNDIR/kept.parquet into SHARDDIR (see module doc). `on_progress(done, total)` per chunk."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    kept_path = run_dir / KEPT
    check_run_folder(run_dir)
    _check_out_dir(out_dir)
    tokenizer = load_tokenizer(tokenizer_path)
    template = resolve_template(settings.template, tokenizer)
    tokenizer.chat_template = template.text  # what SHARDDIR/tokenizer ships with, and part of the fingerprint
    fingerprint = tokenizer_fingerprint(tokenizer)
    digest = file_digest(kept_path)
    key = cache_key(digest, settings, fingerprint)
    existing = up_to_date(out_dir, key)
    if existing is not None:
        return ShardResult(out_dir, existing, reused=True)

    frame = _input_frame(kept_path)
    encoder = Encoder(tokenizer, template, settings)
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if on_progress:
            on_progress(done, frame.height)

    with atomic_folder(out_dir) as tmp:
        results = encode_chunks(
            encoder,
            frame.select(ROW_COLUMNS),
            workers=workers or default_workers(),
            on_done=progress,
            save_tokenizer_to=tmp / "tokenizer",
        )
        identity = RunIdentity(template.name, template.text, fingerprint, key, str(kept_path), digest)
        layout = encoder.locator.layout
        located = {
            "layout": asdict(layout) if layout is not None else None,
            "by_prefixes": sum(r.by_prefixes for r in results),
        }
        manifest = _assemble(results, frame, settings, identity, tmp, located)
    return ShardResult(out_dir, manifest, reused=False)


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]


def _ledger(dropped: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    if dropped.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(("id", "split", "kind", "reason", "detail"), pl.String()))
    return (
        dropped.join(frame.select("row", "id", "split", "kind"), on="row", how="left")
        .sort("row")
        .select("id", "split", "kind", "reason", "detail")
    )


def _assemble(
    results: list[ChunkResult],
    frame: pl.DataFrame,
    settings: ShardSettings,
    identity: RunIdentity,
    tmp: Path,
    located: dict[str, Any],
) -> dict[str, Any]:
    """Check that every row is placed, bucket, and write the shards, ledger and manifest into `tmp` (the
    fresh folder that is swapped in; the tokenizer is already saved there)."""
    sft = _concat([r.sft for r in results]) if results else pl.DataFrame()
    pref = _concat([r.preference for r in results]) if results else pl.DataFrame()
    dropped = _concat([r.dropped for r in results]) if results else pl.DataFrame()
    placed = sft.height + pref.height + dropped.height
    if placed != frame.height or (
        placed
        and _concat([sft.select("row"), pref.select("row"), dropped.select("row")])["row"].n_unique()
        != placed
    ):
        raise StageError(f"internal error: {frame.height} rows in, {placed} placed in shards or the ledger")

    lengths = sft["input_ids"].list.len().to_list() if sft.height else []
    bounds = (
        bk.fit_boundaries(settings.buckets, settings.max_len)
        if settings.buckets is not None
        else bk.auto_boundaries(lengths, settings.max_len)
    )
    sft_rows = _with_rows(sft, frame, repeat=True) if sft.height else sft
    train_lengths = (
        sft_rows.filter(pl.col("split") == "train")["input_ids"].list.len().to_list() if sft.height else []
    )
    ledger = _ledger(dropped, frame)
    write_parquet(tmp / "dropped.parquet", ledger)
    manifest = build_manifest(
        identity,
        settings,
        splits=_write_splits(sft_rows, bounds, tmp) if sft.height else {},
        bounds=bounds,
        padding=bk.padding_efficiency(train_lengths, bounds, settings.token_budget, settings.seed),
        preference=_write_preference(_with_rows(pref, frame, repeat=True), tmp) if pref.height else {},
        dropped={r: int(n) for r, n in ledger.group_by("reason").len().sort("reason").iter_rows()},
        rows_in=frame.height,
        truncated_rows=int(sft["truncated"].sum()) if sft.height else 0,
        located=located,
    )
    write_json(tmp / MANIFEST_NAME, manifest)
    return manifest
