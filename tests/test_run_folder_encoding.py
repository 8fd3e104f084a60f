"""How a run folder's Parquet files are encoded (issue 24, the run-folder write): what a reader sees is the
frame exactly (rows.parquet: every column but the texts); every file is compressed at zstd level LEDGER_ZSTD
(cheaper to write), kept.parquet's bytes a function of the kept rows."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from winnow.curation.ledger import dropped, kept
from winnow.curation.rulefile.load import parse_rules
from winnow.curation.run_curate import run_curate
from winnow.curation.run_folder import KEPT_KEY, LEDGER_ZSTD, RUN_ID_KEY, ledger_columns, write_run_folder

ROWS = [
    {"instruction": "Say hi", "input": "", "output": "Hi!"},
    {"instruction": "Name a colour", "input": "", "output": "Blue."},
    {"instruction": "Answer briefly", "input": "", "output": "No"},
    {"instruction": "Count to three", "input": "in French", "output": "Un, deux, trois."},
]
DROP_SHORT = {
    "checks": [{"check": "min_length", "name": "short", "field": "response", "params": {"min_chars": 3}}]
}


def _curated_frame(tmp_path: Path) -> pl.DataFrame:
    corpus = tmp_path / "rows.jsonl"
    corpus.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    return run_curate(
        [corpus], parse_rules(DROP_SHORT), tmp_path / "first", cache_dir=tmp_path / "cache"
    ).frame


def test_the_files_hold_the_frame_exactly(tmp_path: Path) -> None:
    frame = _curated_frame(tmp_path)
    assert (frame.height, kept(frame).height, dropped(frame).height) == (4, 3, 1)
    run = tmp_path / "run"
    write_run_folder(run, frame, pl.DataFrame(), {}, parse_rules(DROP_SHORT))
    assert_frame_equal(pl.read_parquet(run / "rows.parquet"), ledger_columns(frame))
    assert "messages" in frame.columns
    assert "messages" not in ledger_columns(frame).columns
    assert_frame_equal(pl.read_parquet(run / "kept.parquet"), kept(frame))
    assert_frame_equal(pl.read_parquet(run / "dropped.parquet"), dropped(frame))


def test_every_file_at_level_one(tmp_path: Path) -> None:
    frame = _curated_frame(tmp_path)
    run = tmp_path / "run"
    entry = write_run_folder(run, frame, pl.DataFrame(), {}, parse_rules(DROP_SHORT))
    ids = {RUN_ID_KEY: entry["id"], KEPT_KEY: entry["xxh3"]["kept.parquet"]}
    expected = {
        "rows.parquet": (ledger_columns(frame), LEDGER_ZSTD, ids),
        "dropped.parquet": (dropped(frame), LEDGER_ZSTD, ids),
        "kept.parquet": (kept(frame), LEDGER_ZSTD, None),
    }
    assert LEDGER_ZSTD == 1
    for name, (part, level, metadata) in expected.items():
        reference = tmp_path / f"reference-{name}"
        part.write_parquet(reference, compression="zstd", compression_level=level, metadata=metadata)
        assert (run / name).read_bytes() == reference.read_bytes(), name
