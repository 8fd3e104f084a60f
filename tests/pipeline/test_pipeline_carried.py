"""`winnow run` prints, per stage, rows in → out and every row the stage did not carry, with reasons."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from winnow.curation.example import example_dir
from winnow.curation.pipeline.carried import stage_lines
from winnow.curation.pipeline.config import load_pipeline
from winnow.curation.pipeline.runner import RunContext, run_steps
from winnow.curation.pipeline.steps import pipeline_steps


def test_lines_add_up_with_reasons() -> None:
    curate = {
        "rows_read": 2487,
        "kept": 2324,
        "dropped": 144,
        "quarantined": 19,
        "by_reason": {"b": 2, "a": 2, "c": 140},
    }
    assert stage_lines("curate", curate) == [
        "curate: 2,487 rows in → 2,324 kept; not carried: 19 quarantined, 144 dropped — c: 140; a: 2; b: 2"
    ]
    export = {"formats": {"alpaca": {"rows": {"val": 1, "train": 9}, "rows_in": 10, "not_written": {}}}}
    assert stage_lines("export", export) == [
        "export alpaca: 10 rows in → 10 written (train 9, val 1); every row written"
    ]
    shard = {
        "splits": {"train": {"rows": 90, "tokens": 900}, "val": {"rows": 5, "tokens": 50}},
        "rows_in": 100,
        "dropped": {"too long": 5},
        "truncated_rows": 3,
    }
    assert stage_lines("shard", shard) == [
        "shard: 100 rows in → 95 in shards (train 90, val 5); not carried: 5 — too long: 5; truncated to max_len: 3"
    ]
    demo = {
        "splits": {"train": {"rows": 2042}, "val": {"rows": 109}, "test": {"rows": 114}},
        "rows_in": 2324,
        "dropped": {},
        "truncated_rows": 0,
        "preference": {"train": 49, "val": 7, "test": 3},
    }
    assert stage_lines("shard", demo) == [  # winnow demo's shards: the preference rows are carried, apart
        "shard: 2,324 rows in → 2,265 in shards (test 114, train 2,042, val 109) + 59 preference rows in "
        "preference/ (test 3, train 49, val 7); every row carried"
    ]
    unaccounted = stage_lines("shard", {**demo, "preference": {}})
    assert unaccounted[0].endswith("(test 114, train 2,042, val 109); not accounted for: 59")
    recorded_before_rows_in = {"formats": {"alpaca": {"rows": {"train": 3}}}}
    assert stage_lines("export", recorded_before_rows_in) == []
    assert stage_lines("train", {"steps": 2}) == []


def test_a_run_names_the_preference_rows_an_sft_export_leaves_out(tmp_path: Path) -> None:
    data = example_dir() / "data"
    en = json.loads((data / "alpaca_en.json").read_text(encoding="utf-8"))[:40]
    pairs = json.loads((data / "preference_pairs.json").read_text(encoding="utf-8"))[:10]
    (tmp_path / "en.json").write_text(json.dumps(en), encoding="utf-8")
    (tmp_path / "pairs.json").write_text(json.dumps(pairs), encoding="utf-8")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        "inputs: [en.json, pairs.json]\nrules: default\nwork_dir: work\nprofile: {enabled: false}\n"
        "export: {formats: [alpaca]}\nshard: {enabled: false}\ntrain: {enabled: false}\n",
        encoding="utf-8",
    )
    for _ in ("ran", "skipped"):  # a skipped stage prints its recorded lines too
        console = Console(record=True, width=300)
        run_steps(pipeline_steps(), RunContext(config=load_pipeline(pipeline), console=console))
        lines = [line for line in console.export_text().splitlines() if " rows in → " in line]
        assert lines == [
            "curate: 50 rows in → 50 kept; not carried: 0 quarantined, 0 dropped",
            "export alpaca: 50 rows in → 40 written (test 1, train 38, validation 1); not written: 10 — "
            "preference rows (alpaca holds sft rows): 10",
        ]
