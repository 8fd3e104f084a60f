"""The report stays small for big corpora: nothing in it grows with the row count (samples, binned charts,
top-N tables), so 100k rows give about the size of 10k rows, far under the 10 MB aim for 1M rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from reports_runfolder import build_run, sft

from winnow.reports import write_run_report

RULES = [
    ("response_too_short", "response", 40.0, "min"),
    ("response_too_long", "response", 300.0, "max"),
    ("instruction_too_short", "instruction", 12.0, "min"),
    ("instruction_too_long", "instruction", 150.0, "max"),
]


def _run(tmp_path: Path, n: int) -> int:
    rows = [
        sft(
            f"r{i}",
            f"Explain item {i} " + "please " * (i % 25),
            f"Answer {i}: " + "words and more words " * (i % 19),
            line=i,
            task=("qa", "code", "math", "translate", "summarize")[i % 5],
        )
        for i in range(n)
    ]
    extra = {
        "lang.response": [("en", "zh", "und")[i % 3] for i in range(n)],
        "split": [("train", "train", "train", "val", "test")[i % 5] for i in range(n)],
        "dup_cluster": [f"c{i // 4}" if i % 50 < 4 else None for i in range(n)],
        "dup_jaccard": [0.8 if i % 50 in (1, 2, 3) else None for i in range(n)],
        "dup_kept_id": [f"r{i - i % 50}" if i % 50 in (1, 2, 3) else None for i in range(n)],
    }
    run = build_run(
        tmp_path / f"run{n}",
        rows,
        rules=RULES,
        extra_columns=extra,
        extra_failures=[("near_duplicate", pl.col("dup_kept_id").is_not_null())],
    )
    return write_run_report(run).stat().st_size


@pytest.mark.slow
def test_report_size_does_not_grow_with_rows(tmp_path: Path) -> None:
    small, big = _run(tmp_path, 10_000), _run(tmp_path, 100_000)
    assert big < 1_000_000  # 1M rows would be ~ the same size: far below the 10 MB aim
    assert big < small * 1.3
