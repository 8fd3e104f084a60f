"""plan_reads/line_ranges: big JSONL files are cut into byte ranges after a newline, each knowing its first line."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

pytest.importorskip("ray.data", reason="the ray engine needs Ray Data: pip install 'winnow[ray]'")

from winnow.curation.io.read import read_corpus
from winnow.curation.ray_engine.read import line_ranges, plan_reads, read_plan, task_frame
from winnow.curation.run_curate import QUARANTINE_ERROR


def _jsonl(path: Path, n: int, bad: set[int]) -> Path:
    lines = [
        "{broken" if i in bad else json.dumps({"instruction": f"q{i}", "input": "", "output": f"a{i}"})
        for i in range(1, n + 1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ranges_cover_the_file_and_start_on_their_line(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "a.jsonl", 40, set())
    data = path.read_bytes()
    ranges = line_ranges(path, 200)
    assert ranges[0][0] == 0
    assert ranges[-1][1] == len(data)
    for (_, end, _), (start, _, _) in itertools.pairwise(ranges):
        assert end == start
    for start, end, first_line in ranges:
        assert data[start - 1 : start] in (b"", b"\n")
        assert data[:start].count(b"\n") + 1 == first_line
        assert end - start >= 200 or end == len(data)


def test_ranges_read_what_the_local_reader_reads(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "a.jsonl", 600, {5, 333, 599})
    plans, _ = plan_reads([path], range_bytes=4000)
    assert len(plans) > 3
    frames = [task_frame(i, read_plan(plan)) for i, plan in enumerate(plans)]
    rows = [f.filter(f[QUARANTINE_ERROR].is_null()) for f in frames]
    bad = [f.filter(f[QUARANTINE_ERROR].is_not_null()) for f in frames]
    local = read_corpus([path])
    assert [line for f in rows for line in f["line"]] == local.records["line"].to_list()
    assert [line for f in bad for line in f["line"]] == [5, 333, 599]
    assert [e for f in bad for e in f[QUARANTINE_ERROR]] == local.quarantine["error"].to_list()


def test_a_big_file_of_blank_lines_is_read_whole_and_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_text("\n" * 5000, encoding="utf-8")
    plans, _ = plan_reads([path], range_bytes=1000)
    assert [(plan.start, plan.end) for plan in plans] == [(0, None)]
    frame = task_frame(0, read_plan(plans[0]))
    assert frame[QUARANTINE_ERROR].to_list() == ["empty file (only blank lines)"]
