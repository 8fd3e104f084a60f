"""The tasks stage: precedence of data labels, overrides and the classifier; the section parser."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems
from winnow.curation.stages import StageContext
from winnow.curation.tasks.section import TasksConfig, parse_tasks
from winnow.curation.tasks.stage import label_tasks, tasks_stage


def _row(row_id: str, instruction: str, **extra: object) -> dict:
    return {
        "id": row_id,
        "kind": "sft",
        "messages": [{"role": "user", "content": instruction}, {"role": "assistant", "content": "ok"}],
        **extra,
    }


ROWS = [
    _row("a", "Translate to French: hi"),
    _row("b", "anything", task="general_qa"),  # Dolly label in the task column
    _row("c", "leetcode two sum", meta='{"category": "writing"}'),  # MT-Bench label in meta
    _row("d", "leetcode two sum"),
    _row("e", "Tell me", meta='{"is_classification": true}'),  # self-instruct flag
    _row("f", "Hello", task="Weird Label"),  # unmapped: the classifier decides
]


def _parse(raw: object) -> TasksConfig:
    problems = Problems("test.yaml")
    config = parse_tasks(raw, "tasks", problems)
    assert problems.items == []
    return config


def test_precedence_and_columns() -> None:
    config = _parse({"overrides": [{"task": "code", "keywords": ["LeetCode"]}]})
    labelled, stats = label_tasks(frame_from_rows(ROWS), config)
    assert labelled.select("id", "task", "task_source", "task_confidence").rows() == [
        ("a", "translation", "classifier", 0.9),
        ("b", "open_qa", "data", 1.0),
        ("c", "creative_writing", "data", 1.0),
        ("d", "code", "rule", 1.0),
        ("e", "classification", "data", 1.0),
        ("f", "other", "classifier", 0.3),
    ]
    assert stats["unmapped_data_labels"] == {"Weird Label": 1}
    assert stats["by_source"] == {"classifier": 2, "data": 3, "rule": 1}


def test_override_can_replace_data_labels() -> None:
    config = _parse({"overrides": [{"task": "code", "pattern": "(?i)leetcode", "replace_data": True}]})
    labelled, _ = label_tasks(frame_from_rows(ROWS), config)
    assert labelled.filter(pl.col("id") == "c")["task"].to_list() == ["code"]


def test_label_map_min_confidence_and_no_classifier() -> None:
    config = _parse({"label_map": {"weird label": "brainstorming"}, "min_confidence": 0.95})
    labelled, _ = label_tasks(frame_from_rows(ROWS), config)
    assert labelled["task"].to_list()[0] == "other"  # translation at 0.9 < 0.95
    assert labelled["task"].to_list()[5] == "brainstorming"
    off = label_tasks(frame_from_rows(ROWS), _parse({"classifier": False, "from_data": False}))[0]
    assert off["task"].unique().to_list() == ["other"]
    assert off["task_confidence"].to_list() == [0.0] * 6


def test_stage_runs_with_defaults_when_mix_or_split_need_it() -> None:
    frame = frame_from_rows(ROWS)
    assert tasks_stage(frame, {}, StageContext()) is frame  # no tasks/mix/split section: nothing to do
    ctx = StageContext()
    out = tasks_stage(frame, {"split": object()}, ctx)
    assert out.height == 6
    assert out["task_source"].to_list() == ["classifier", "data", "data", "classifier", "data", "classifier"]
    assert ctx.stats["tasks"]["by_task"]["open_qa"] == 1


def test_section_reports_every_problem() -> None:
    problems = Problems("rules.yaml")
    parse_tasks(
        {
            "from_data": "yes",
            "min_confidence": 2,
            "label_map": {"x": "mathh"},
            "overrides": [
                {"task": "code"},
                {"task": "math", "pattern": "(.)\\1"},
                {"task": "code", "keywords": []},
            ],
            "clasifier": True,
        },
        "tasks",
        problems,
    )
    places = [item.split(":")[0] for item in problems.items]
    assert places == [
        "tasks.clasifier",
        "tasks.label_map.x",
        "tasks.overrides[0]",
        "tasks.overrides[1].pattern",
        "tasks.overrides[2].keywords",
        "tasks.from_data",
        "tasks.min_confidence",
    ]
    assert 'did you mean "classifier"' in problems.items[0]
    assert 'did you mean "math"' in problems.items[1]


def test_labels_read_from_real_files(tmp_path: Path) -> None:
    """Through the reader: Dolly `category` and self-instruct `is_classification` become data labels."""
    import json

    from tests.conftest import shared_path
    from winnow.curation.io.read import read_corpus

    seeds = read_corpus([shared_path("self_instruct", "seed_tasks.jsonl")]).records
    labelled, stats = label_tasks(seeds, TasksConfig())
    flagged = labelled.filter(pl.col("meta").str.contains('"is_classification": true'))
    assert flagged.height == 26
    assert flagged["task"].unique().to_list() == ["classification"]
    assert stats["by_source"] == {"classifier": 149, "data": 26}
    dolly = tmp_path / "dolly.jsonl"
    lines = [
        {"instruction": "Who went?", "context": "Bob went.", "response": "Bob", "category": "closed_qa"},
        {"instruction": "Name fruits", "context": "", "response": "Apple", "category": "brainstorming"},
        {"instruction": "Why?", "context": "", "response": "Because", "category": "general_qa"},
        {
            "instruction": "Extract names",
            "context": "Ann met Bo.",
            "response": "Ann, Bo",
            "category": "information_extraction",
        },
    ]
    dolly.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    labelled, _ = label_tasks(read_corpus([dolly]).records, TasksConfig())
    assert labelled.select("task", "task_source").rows() == [
        ("closed_qa", "data"),
        ("brainstorming", "data"),
        ("open_qa", "data"),
        ("extraction", "data"),
    ]
