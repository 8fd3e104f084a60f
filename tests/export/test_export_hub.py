"""Hub conventions in an export (issue 18): train / validation / test files and `--hf` splits, a dataset card
with the Hub's YAML header, and tool-calling rows that `datasets` and `--hf` read back."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import yaml

from winnow.curation.export.run import export_run
from winnow.curation.ledger import with_ledger
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems
from winnow.curation.split.section import parse_split

TOOLS = '[{"name": "get_time", "description": "the time", "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}]'
OTHER_TOOLS = '[{"name": "add", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}}]'


def _msgs(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in pairs]


def _rows() -> list[dict]:
    plain = [
        {
            "kind": "sft",
            "split": split,
            "lang.instruction": "en",
            "task": "open_qa",
            "messages": _msgs(("user", f"Question {i}?"), ("assistant", f"Answer {i}.")),
        }
        for i, split in enumerate(["train"] * 4 + ["val", "test"])
    ]
    calls = [
        {
            "kind": "sft",
            "split": split,
            "lang.instruction": "zh",
            "task": "tool_use",
            "tools": tools,
            "messages": _msgs(
                ("user", f"请 {i}"), ("tool_call", call), ("tool", '{"ok": true}'), ("assistant", "好。")
            ),
        }
        for i, (split, tools, call) in enumerate(
            [
                ("train", TOOLS, '{"name": "get_time", "arguments": {"tz": "UTC"}}'),
                ("train", OTHER_TOOLS, '{"name": "add", "arguments": {"a": 1, "b": 2}}'),
                ("val", OTHER_TOOLS, '{"name": "add", "arguments": {"a": 3, "b": 4}}'),
            ]
        )
    ]
    return plain + calls


def _run_dir(tmp_path: Path) -> Path:
    rows = _rows()
    frame = frame_from_rows(rows).with_columns(
        pl.Series("split", [r["split"] for r in rows], dtype=pl.String),
        pl.Series("lang.instruction", [r["lang.instruction"] for r in rows], dtype=pl.String),
    )
    run = tmp_path / "run"
    run.mkdir()
    with_ledger(frame).write_parquet(run / "kept.parquet")
    return run


def test_openai_tool_rows_export_with_hf_and_load_in_datasets(tmp_path: Path) -> None:
    """Failed before: tools as a JSON list made `--hf` read back differ (exit 1) and broke load_dataset."""
    import datasets

    out = tmp_path / "out"
    result = export_run(_run_dir(tmp_path), out, format="openai", hf=True)
    assert result.problems == []
    assert [s.split for s in result.splits] == ["train", "validation", "test"]
    assert sorted(p.name for p in (out / "hf").iterdir() if p.is_dir()) == ["test", "train", "validation"]
    rows = [json.loads(line) for line in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["tools"] for row in rows] == ["", "", "", "", TOOLS, OTHER_TOOLS]
    loaded = datasets.load_dataset("json", data_files={"train": str(out / "train.jsonl")})["train"]
    assert loaded.num_rows == 6
    assert loaded.features["tools"].dtype == "string"
    info = json.loads((out / "dataset_info.json").read_text())
    assert sorted(info) == ["winnow_test", "winnow_train", "winnow_validation"]
    assert info["winnow_train"]["formatting"] == "openai"  # LLaMA-Factory's reader of tool_calls
    assert info["winnow_test"]["formatting"] == "sharegpt"  # no tool calls: the documented openai layout
    assert any("openai` formatting" in w for w in result.warnings)


def test_dataset_card_has_the_hub_header_and_loads_by_folder(tmp_path: Path) -> None:
    import datasets

    out = tmp_path / "out"
    result = export_run(_run_dir(tmp_path), out, format="sharegpt")
    card = (out / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": "train.jsonl"},
                {"split": "validation", "path": "validation.jsonl"},
                {"split": "test", "path": "test.jsonl"},
            ],
        }
    ]
    assert {s["name"]: s["num_examples"] for s in header["dataset_info"]["splits"]} == {
        "train": 6,
        "validation": 2,
        "test": 1,
    }
    assert header["language"] == ["en", "zh"]
    assert header["size_categories"] == ["n<1K"]
    body = card.split("---\n", 2)[2]
    for text in (
        "| tool_use |",
        "winnow 0.1.0",
        "## What was dropped and why",
        "| validation | `validation.jsonl` |",
    ):
        assert text in body, text
    loaded = datasets.load_dataset(str(out))  # the Hub's way: splits from the card's configs
    assert {name: split.num_rows for name, split in loaded.items()} == {
        "train": 6,
        "validation": 2,
        "test": 1,
    }
    assert result.problems == []


def test_rule_files_say_validation_or_its_alias_val() -> None:
    for key in ("validation", "val"):
        problems = Problems("rules.yaml")
        config = parse_split({"fractions": {"train": 0.8, key: 0.15, "test": 0.05}}, "split", problems)
        assert problems.items == [], key
        assert config.fractions == (0.8, 0.15, 0.05), key
    problems = Problems("rules.yaml")
    parse_split({"fractions": {"train": 0.8, "val": 0.1, "validation": 0.1}}, "split", problems)
    assert problems.items[0].startswith("split.fractions.val: give `validation` or its alias `val`, not both")
