"""The Python API: winnow.read / curate / export / shard on tiny inline rows, frames in and frames out."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import polars as pl
import pytest

import winnow
from winnow.curation.errors import UsageError

ROWS = [
    {"instruction": "Name a primary colour.", "output": "Red is a primary colour."},
    {"instruction": "What is two plus two?", "output": "Two plus two is four."},
    {"instruction": "Name a primary colour.", "output": "Red is a primary colour."},  # an exact duplicate
    {"prompt": "no format has this key"},
]


def test_rows_in_memory_read_as_the_same_rows_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    on_disk = winnow.read(path)
    # a row's id digests its source's file name and content: the same name, the same ids
    for rows in (ROWS, pl.DataFrame(ROWS[:3]), datasets.Dataset.from_list(ROWS[:3])):
        in_memory = winnow.read(rows, name="rows.jsonl")
        assert in_memory.records["id"].to_list() == on_disk.records["id"].to_list()
        assert in_memory.records["line"].to_list() == [0, 1, 2]
    assert winnow.read(ROWS).quarantine.select("line", "error").rows() == [
        (3, on_disk.quarantine["error"][0])
    ]


def test_a_dataset_dict_is_one_source_per_split() -> None:
    splits = datasets.DatasetDict({"train": datasets.Dataset.from_list(ROWS[:2])})
    corpus = winnow.read(splits, name="hub")
    assert corpus.formats == {"hub/train": {"alpaca": 2}}


EMPTY = {"system": "", "history": []}  # LLaMA-Factory's alpaca fields, "" / [] where a row has none


def test_curate_export_and_a_curated_frame_read_back() -> None:
    rules = {"dedup": {"exact": True, "near": False}}
    curated = winnow.curate(ROWS, rules=rules)
    assert (curated.kept.height, curated.dropped.height, curated.quarantine.height) == (2, 1, 1)
    assert curated.dropped["drop_reason"].to_list() == ["exact_duplicate"]
    assert winnow.export(curated, "alpaca") == [
        {"instruction": "Name a primary colour.", "input": "", "output": "Red is a primary colour.", **EMPTY},
        {"instruction": "What is two plus two?", "input": "", "output": "Two plus two is four.", **EMPTY},
    ]
    assert winnow.read(curated.kept).records["id"].to_list() == curated.kept["id"].to_list()
    assert list(winnow.export(curated, "openai", as_dataset=True)) == ["train"]


def test_rule_files_by_name_and_unknown_names() -> None:
    assert winnow.curate(ROWS[:2], rules="strict").rules.source.endswith("strict.yaml")
    with pytest.raises(UsageError, match="no rule file 'nonesuch'"):
        winnow.curate(ROWS[:2], rules="nonesuch")


def test_shard_asks_for_a_run_folder_first() -> None:
    curated = winnow.curate(ROWS[:2], rules={})
    with pytest.raises(UsageError, match="never saved"):
        winnow.shard(curated, tokenizer="unused", out_dir="unused")


def test_import_winnow_loads_no_api_module_until_used() -> None:
    import subprocess
    import sys

    code = "import sys, winnow; print(sorted(m for m in sys.modules if m in ('polars', 'torch', 'winnow.curating')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
