"""`winnow.export`: curated rows in a training format, in memory: a list of dicts, or a datasets.DatasetDict.

    rows = winnow.export(curated, "sharegpt")                       # every kept row, train split first
    rows = winnow.export(curated, "alpaca", split="validation")
    splits = winnow.export(curated, "openai", as_dataset=True)      # DatasetDict: train / validation / test
    splits = winnow.export(curated, "openai", consumer="trl", as_dataset=True)   # for TRL's SFTTrainer

The rows are exactly what `winnow export` writes to files (same conversion, one schema across rows, train
rows repeated as the mix decided); rows a format cannot hold are left out, as the file export reports.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from winnow.curating import Curated
from winnow.curation.errors import UsageError
from winnow.curation.export.consumers import DEFAULT_CONSUMER
from winnow.curation.export.run import TASK_FORMATS, expand_repeats, split_frames
from winnow.curation.io.write import convert_records


def export(
    curated: Curated | pl.DataFrame,
    format: str,
    *,
    split: str | None = None,
    as_dataset: bool = False,
    consumer: str = DEFAULT_CONSUMER,
) -> Any:
    """The kept rows of `curated` (or a frame of canonical records) as `format` rows: a list of dicts (one
    `split` only if named: train, validation or test), or with `as_dataset` a datasets.DatasetDict keyed by
    split. `consumer` (llamafactory or trl) shapes the fields two trainers read differently."""
    frame = curated.kept if isinstance(curated, Curated) else curated
    if "task" in frame.columns and format not in TASK_FORMATS:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("task"))
    notes: list[str] = []
    parts = split_frames(frame, notes)
    if split is not None:
        split = "validation" if split == "val" else split
        parts = [(name, part) for name, part in parts if name == split]
        if not parts:
            raise UsageError(f"no kept rows in split {split!r}", hint="splits: train, validation, test")
    frames = {name: expand_repeats(part) if name == "train" else part for name, part in parts}
    if as_dataset:
        from datasets import Dataset, DatasetDict

        converted = {
            name: convert_records(part, format, consumer=consumer)[0] for name, part in frames.items()
        }
        return DatasetDict({name: Dataset.from_list(rows) for name, rows in converted.items() if rows})
    # one conversion over every split: one schema across all the rows returned
    return convert_records(pl.concat(list(frames.values())), format, consumer=consumer)[0]
