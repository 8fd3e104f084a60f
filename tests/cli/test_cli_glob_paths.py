"""A path holding `[`, `*` or `?` is a path, never a glob pattern: curate → report → export → shard run end to end.

Polars reads a path as a glob pattern unless told `glob=False` (`pl.read_parquet("a[x]/kept.parquet")` finds
no file); this ran the whole curate, then failed building the report.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.cli.main import main

DISTINCT = [
    {
        "instruction": f"Explain topic number {i} in a few words, please.",
        "output": f"Topic {i} is one thing: {i}.",
    }
    for i in range(30)
]
DUPLICATES = [DISTINCT[0], DISTINCT[1]]  # the exact dedup drops them
UNFINISHED = {
    "instruction": "Write a short welcome text.",
    "output": "Lorem ipsum dolor sit amet.",
}  # placeholder
LINES = [
    *(json.dumps(row) for row in [*DISTINCT, *DUPLICATES, UNFINISHED]),
    "{broken",
]  # the last: quarantined
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`winnow curate` of `in[x]*.jsonl` into `out[x]*?/run`, relative paths as a person types them."""
    monkeypatch.chdir(tmp_path)
    Path("in[x]*.jsonl").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    rules = str(REPO / "rules" / "default.yaml")
    assert main(["curate", "in[x]*.jsonl", "--rules", rules, "-o", "out[x]*?/run"]) == 0
    return Path("out[x]*?/run")


@pytest.mark.slow
def test_curate_report_and_export_read_paths_literally(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stats = json.loads((run / "stats.json").read_text(encoding="utf-8"))
    assert (stats["rows_read"], stats["quarantined"]) == (34, 1)
    rows = pl.read_parquet(run / "rows.parquet", glob=False)
    assert rows["drop_reason"].value_counts(sort=True).rows() == [
        (None, 30),
        ("exact_duplicate", 2),
        ("placeholder_text", 1),
    ]
    assert (run / "report.html").stat().st_size > 0

    rules = str(REPO / "rules" / "default.yaml")
    assert main(["curate", "in[x]*.jsonl", "--rules", rules, "-o", str(run)]) == 0  # reads the caches back
    assert re.search(r"metrics: [1-9][\d,]* values from cache", capsys.readouterr().err)
    assert main(["report", str(run)]) == 0

    out = Path("out[x]*?/export[1]")
    assert main(["export", str(run), "--format", "alpaca", "-o", str(out)]) == 0
    summary = json.loads((out / "export.json").read_text(encoding="utf-8"))
    assert summary["ok"] is True
    assert sum(split["written"] for split in summary["splits"].values()) == 30


@pytest.mark.slow
def test_shard_and_train_loading_read_paths_literally(run: Path) -> None:
    from winnow.trainer.shards import load_split, read_manifest

    tokenizer = shared_path("tokenizers", "qwen3")
    shards = Path("out[x]*?/shards?")
    assert main(["shard", str(run), "--tokenizer", str(tokenizer), "--workers", "1", "-o", str(shards)]) == 0
    manifest = read_manifest(shards)
    assert sum(len(load_split(shards, manifest, split).ids) for split in manifest["splits"]) == 30


GLOBBING_READS = {
    "read_parquet",
    "scan_parquet",
    "read_ndjson",
    "scan_ndjson",
    "read_csv",
    "scan_csv",
    "scan_ipc",
}


def test_every_polars_read_of_a_path_turns_globbing_off() -> None:
    """`pl.read_parquet(path)` in curate/, train/, reports/ or bench/ passes `glob=False`; the readers without a
    `glob` argument (`read_ndjson`) get an open handle, never a path."""
    found = []
    for package in ("curate", "train", "reports", "bench"):
        for path in sorted((REPO / package).rglob("*.py")):
            if path.is_relative_to(REPO / "bench" / "out"):  # the benches' virtualenvs, not winnow's code
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "pl"):
                    continue
                if node.func.attr not in GLOBBING_READS:
                    continue
                glob_off = any(
                    k.arg == "glob" and isinstance(k.value, ast.Constant) and k.value.value is False
                    for k in node.keywords
                )
                handle = (
                    bool(node.args) and isinstance(node.args[0], ast.Name) and node.args[0].id == "handle"
                )
                if not (glob_off or handle):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}: pl.{node.func.attr}")
    assert found == []


def test_the_pipeline_fingerprints_an_existing_path_not_what_it_would_match(tmp_path: Path) -> None:
    from winnow.curation.pipeline.fingerprint import expand_inputs

    (tmp_path / "a[1].jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "a1.jsonl").write_text("{}\n", encoding="utf-8")  # what `a[1].jsonl` matches as a pattern
    assert expand_inputs([str(tmp_path / "a[1].jsonl")]) == [tmp_path / "a[1].jsonl"]
    assert expand_inputs([str(tmp_path / "a[0-9].jsonl")]) == [tmp_path / "a1.jsonl"]
