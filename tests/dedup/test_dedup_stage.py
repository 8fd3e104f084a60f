"""The dedup rule-file section and stage: parsing with every problem at once, ledger reasons, stats."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from tests.dedup.test_dedup_find import sft
from winnow.curation.dedup.config import DecontamConfig, DedupConfig, NearConfig
from winnow.curation.dedup.section import parse_dedup
from winnow.curation.dedup.stage import dedup_stage, read_references
from winnow.curation.errors import StageError
from winnow.curation.ledger import counts_by_reason, with_ledger
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import load_all_sections
from winnow.curation.stages import StageContext, registered_stages

EN = "Write a short story about a brave knight who travels across the kingdom to rescue a dragon from an evil princess"


def test_section_is_registered_and_parses_settings() -> None:
    assert "dedup" in load_all_sections()
    assert any(s.name == "dedup" and s.order == 40 for s in registered_stages())
    problems = Problems("rules.yaml")
    raw = {
        "key": "instruction",
        "near": {"threshold": 0.8, "num_perm": 64, "bands": 8, "rows": 8, "verify": False},
        "keep": "source_priority",
        "source_priority": ["curated/*"],
        "decontaminate": {"references": ["eval.jsonl"], "threshold": 0.9},
    }
    config = parse_dedup(raw, "dedup", problems)
    assert not problems
    assert config == DedupConfig(
        key="instruction",
        near=NearConfig(threshold=0.8, num_perm=64, bands=8, rows=8, verify=False),
        keep="source_priority",
        source_priority=("curated/*",),
        decontaminate=DecontamConfig(references=("eval.jsonl",), threshold=0.9),
    )
    assert parse_dedup({"near": False}, "dedup", problems) == DedupConfig(near=NearConfig(enabled=False))
    assert parse_dedup(None, "dedup", problems) is None


def test_section_reports_every_problem_with_its_place() -> None:
    problems = Problems("rules.yaml")
    raw = {
        "key": "instrucion",
        "exact": "yes",
        "keep": "longest",
        "near": {"threshold": 1.5, "bands": 20, "rows": 10, "verfy": True, "shingle_hash": "sha256"},
        "decontaminate": {"references": []},
    }
    parse_dedup(raw, "dedup", problems)
    assert problems.items == [
        "dedup.exact: must be true or false, got 'yes'",
        "dedup.key: unknown key 'instrucion' (did you mean \"instruction\"?); known: conversation, "
        "first_user_turn, instruction, instruction_input, response",
        "dedup.keep: unknown keep policy 'longest' (did you mean \"longest_response\"?); known: best_quality, "
        "drop_whole_cluster, first_seen, longest_response, source_priority",
        "dedup.near: unknown key 'verfy' (did you mean \"verify\"?); known: bands, batch_size, "
        "candidate_threshold, char_ngram, cjk_share, enabled, ignore_punctuation, max_bucket_pairs, measure, "
        "num_perm, report_pairs, rows, scheme, seed, shingle_hash, spill, threshold, verify, word_ngram",
        "dedup.near.threshold: must be between 0.01 and 1, got 1.5",
        "dedup.near: bands x rows = 200 exceeds num_perm = 128",
        "dedup.near.shingle_hash: unknown shingle hash 'sha256' (did you mean \"sha1\"?); known: mix64, sha1",
        "dedup.decontaminate.references: give at least one reference file",
    ]


def test_stage_records_reasons_and_stats() -> None:
    rows = [
        sft(0, EN, "a"),
        sft(1, EN + "!", "bb"),
        sft(2, EN.replace("travels", "walks"), "ccc"),
        sft(3, "x y z", "d"),
    ]
    frame = with_ledger(frame_from_rows(rows))
    progress: list[tuple[str, int, int]] = []
    ctx = StageContext(progress=lambda d, done, total: progress.append((d, done, total)), workers=1)
    out = dedup_stage(frame, {"dedup": DedupConfig(key="instruction_input", keep="first_seen")}, ctx)
    assert out.height == 4
    assert "dup_reason" not in out.columns
    assert out["drop_reason"].to_list() == [None, "near_duplicate", "near_duplicate", None]
    assert out["failed_rules"].to_list() == [[], ["near_duplicate"], ["near_duplicate"], []]
    assert counts_by_reason(out) == {"near_duplicate": 2}
    stats = ctx.stats["dedup"]
    assert stats["dropped"] == {"near_duplicate": 2}
    assert stats["clusters"] == 1
    assert progress[-1] == ("dedup: verifying candidate pairs", 3, 3)
    assert ("dedup: MinHash signatures", 4, 4) in progress
    assert json.loads(json.dumps(stats)) == stats  # what stats.json reads back is what the run holds


def test_stage_without_section_changes_nothing() -> None:
    frame = with_ledger(frame_from_rows([sft(0, "a", "b")]))
    assert dedup_stage(frame, {}, StageContext()).equals(frame)


def test_missing_reference_file_is_a_clear_error() -> None:
    with pytest.raises(
        StageError,
        match=r"dedup.decontaminate.references: cannot read the reference set: no such file or folder: nope.jsonl",
    ):
        read_references(DecontamConfig(references=("nope.jsonl",)))


def test_contaminated_rows_are_dropped_before_dedup(tmp_path: Any) -> None:
    ref = tmp_path / "eval.jsonl"
    ref.write_text('{"instruction": "' + EN + '", "input": "", "output": "x"}\n', encoding="utf-8")
    rows = [sft(0, EN, "a"), sft(1, EN.replace("travels", "walks"), "bb"), sft(2, "x y z", "c")]
    config = DedupConfig(
        key="instruction_input", decontaminate=DecontamConfig(references=(str(ref),), threshold=0.7)
    )
    ctx = StageContext(workers=1)
    out = dedup_stage(with_ledger(frame_from_rows(rows)), {"dedup": config}, ctx)
    assert out["drop_reason"].to_list() == ["contaminated", "contaminated", None]
    assert out["contaminated_ref"].to_list()[:2] == [f"{ref}:1", f"{ref}:1"]
    assert ctx.stats["dedup"]["decontamination"]["contaminated"] == 2
    assert pl.Series(out["dup_cluster"]).null_count() == 3


def test_reference_file_with_no_readable_row_is_an_error(tmp_path: Any) -> None:
    ref = tmp_path / "questions.jsonl"
    ref.write_text('{"question_id": 1, "turns": ["a question"]}\n', encoding="utf-8")
    with pytest.raises(
        StageError,
        match=r"no reference row could be read \(1 reference line\(s\) unreadable, e.g. .*questions.jsonl:1: no supported format",
    ):
        read_references(DecontamConfig(references=(str(ref),)))
