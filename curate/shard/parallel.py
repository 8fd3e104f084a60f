"""Run the Encoder over chunks of rows on every core.

Rendering templates is Python, so one process cannot use two cores for it; the chunks are spread over
forked worker processes, each with its own copy of the encoder and the tokenizer's thread pool switched off
(the processes are the parallelism). Each chunk comes back as compact Polars frames, not Python lists.
With one worker (or on platforms without fork) everything runs in this process.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl

from curate.shard.tokenize import Encoder

TOKENS = pl.List(pl.Int32())

_WORKER_ENCODER: Encoder | None = None


@dataclass
class ChunkResult:
    sft: pl.DataFrame  # row, input_ids, labels, truncated
    preference: pl.DataFrame  # row, prompt_length, chosen/rejected input_ids and labels
    dropped: pl.DataFrame  # row, reason, detail


def _encode_chunk(encoder: Encoder, offset: int, rows: list[dict[str, Any]]) -> ChunkResult:
    batch = encoder.encode(rows)
    sft = pl.DataFrame(
        batch.sft,
        schema={"row": pl.Int64(), "input_ids": TOKENS, "labels": TOKENS, "truncated": pl.Boolean()},
    )
    preference = pl.DataFrame(
        batch.preference,
        schema={
            "row": pl.Int64(),
            "prompt_length": pl.Int32(),
            "chosen_input_ids": TOKENS,
            "chosen_labels": TOKENS,
            "rejected_input_ids": TOKENS,
            "rejected_labels": TOKENS,
        },
    )
    dropped = pl.DataFrame(
        batch.dropped, schema={"row": pl.Int64(), "reason": pl.String(), "detail": pl.String()}, orient="row"
    )
    shift = pl.col("row") + offset
    return ChunkResult(sft.with_columns(shift), preference.with_columns(shift), dropped.with_columns(shift))


def _worker_init() -> None:
    os.environ["TOKENIZERS_PARALLELISM"] = "false"


def _worker_run(job: tuple[int, list[dict[str, Any]]]) -> ChunkResult:
    assert _WORKER_ENCODER is not None
    return _encode_chunk(_WORKER_ENCODER, *job)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def encode_chunks(
    encoder: Encoder,
    chunks: Iterator[tuple[int, list[dict[str, Any]]]],
    *,
    workers: int,
    on_done: Callable[[int], None] | None = None,
) -> list[ChunkResult]:
    """Encode (offset, rows) chunks, in order; `on_done(rows)` after each chunk (progress)."""
    global _WORKER_ENCODER
    results: list[ChunkResult] = []
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        for offset, rows in chunks:
            results.append(_encode_chunk(encoder, offset, rows))
            if on_done:
                on_done(len(rows))
        return results
    _WORKER_ENCODER = encoder  # inherited by the forked workers
    try:
        with mp.get_context("fork").Pool(workers, initializer=_worker_init) as pool:
            for result in pool.imap(_worker_run, chunks):
                results.append(result)
                if on_done:
                    on_done(result.sft.height + result.preference.height + result.dropped.height)
    finally:
        _WORKER_ENCODER = None
    return results
