"""Run the Encoder over chunks of rows on every core.

Rendering templates is Python, so one process cannot use two cores for it; the chunks are spread over
forked worker processes, each with its own copy of the encoder and the tokenizer's thread pool switched off
(the processes are the parallelism). The rows reach the workers by fork (copy-on-write), not by pickling,
and each chunk comes back as compact Polars frames, not Python lists.
With one worker (or on platforms without fork) everything runs in this process.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from winnow.curation.arrow_arrays import from_numpy
from winnow.curation.shard.tokenize import Encoder

TOKENS = pl.List(pl.Int32())

_WORKER_ENCODER: Encoder | None = None
_WORKER_ROWS: pl.DataFrame | None = None


@dataclass
class ChunkResult:
    sft: pl.DataFrame  # row, input_ids, labels, truncated
    preference: pl.DataFrame  # row, prompt_length, chosen/rejected input_ids and labels
    dropped: pl.DataFrame  # row, reason, detail
    by_prefixes: int = 0  # conversations located by prefix renderings (see winnow.curation.shard.spans)

    @property
    def rows(self) -> int:
        return self.sft.height + self.preference.height + self.dropped.height


def token_lists(lists: Sequence[list[int]]) -> pl.Series:
    """A List(Int32) column from Python token lists, built from one flat array and the row offsets.

    Polars turns each inner Python list into a Series of its own (about 10 us per row plus the values);
    one flat list of every value and an Arrow offsets array do the same in a fraction of that.
    """
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    values = pl.Series([v for ids in lists for v in ids], dtype=pl.Int32()).to_arrow()
    series = pl.from_arrow(pa.LargeListArray.from_arrays(from_numpy(offsets), values))
    assert isinstance(series, pl.Series)
    return series


def _frame(columns: dict[str, list[Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The columns of an EncodedBatch part as a frame; token columns go through `token_lists`."""
    return pl.DataFrame(
        [
            token_lists(columns[name]).alias(name)
            if dtype == TOKENS
            else pl.Series(name, columns[name], dtype=dtype)
            for name, dtype in schema.items()
        ]
    )


def _encode_chunk(encoder: Encoder, offset: int, rows: list[dict[str, Any]]) -> ChunkResult:
    batch = encoder.encode(rows)
    sft = _frame(
        batch.sft,
        {"row": pl.Int64(), "input_ids": TOKENS, "labels": TOKENS, "truncated": pl.Boolean()},
    )
    preference = _frame(
        batch.preference,
        {
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
    return ChunkResult(
        sft.with_columns(shift),
        preference.with_columns(shift),
        dropped.with_columns(shift),
        batch.by_prefixes,
    )


def _worker_init() -> None:
    os.environ["TOKENIZERS_PARALLELISM"] = "false"


def _worker_run(job: tuple[int, int]) -> ChunkResult:
    assert _WORKER_ENCODER is not None
    assert _WORKER_ROWS is not None
    offset, length = job
    return _encode_chunk(_WORKER_ENCODER, offset, _WORKER_ROWS.slice(offset, length).to_dicts())


def _worker_save(directory: str) -> None:
    assert _WORKER_ENCODER is not None
    _WORKER_ENCODER.tokenizer.save_pretrained(directory)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def encode_chunks(
    encoder: Encoder,
    rows: pl.DataFrame,
    *,
    workers: int,
    chunk_rows: int = 512,
    on_done: Callable[[int], None] | None = None,
    save_tokenizer_to: Path | None = None,
) -> list[ChunkResult]:
    """Encode `rows` (canonical columns) in chunks, results in row order; `on_done(n)` after each chunk.

    The workers are forked after the frame and the encoder exist, so they share them copy-on-write and only
    (offset, length) pairs travel to them. `save_tokenizer_to`: also write the encoder's tokenizer there
    (save_pretrained), as the first job of the pool: serialising a large vocabulary takes a few hundred
    milliseconds of one core, which alongside the chunks costs about half of that in wall time.
    """
    global _WORKER_ENCODER, _WORKER_ROWS
    jobs = [(offset, chunk_rows) for offset in range(0, rows.height, chunk_rows)]
    results: list[ChunkResult] = []
    if workers <= 1 or len(jobs) <= 1 or "fork" not in mp.get_all_start_methods():
        if save_tokenizer_to is not None:
            encoder.tokenizer.save_pretrained(str(save_tokenizer_to))
        for offset, length in jobs:
            results.append(_encode_chunk(encoder, offset, rows.slice(offset, length).to_dicts()))
            if on_done:
                on_done(results[-1].rows)
        return results
    _WORKER_ENCODER, _WORKER_ROWS = encoder, rows
    try:
        with mp.get_context("fork").Pool(min(workers, len(jobs)), initializer=_worker_init) as pool:
            saved = (
                pool.apply_async(_worker_save, (str(save_tokenizer_to),))
                if save_tokenizer_to is not None
                else None
            )
            for result in pool.imap(_worker_run, jobs):
                results.append(result)
                if on_done:
                    on_done(result.rows)
            if saved is not None:
                saved.get()  # re-raises what the worker raised
    finally:
        _WORKER_ENCODER = _WORKER_ROWS = None
    return results
