"""The `winnow formats`, `winnow inspect` and `winnow convert` commands, run through the real CLI entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from winnow.curation.cli.main import main


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.jsonl"
    rows = [
        {"instruction": "q1", "input": "ctx", "output": "a1"},
        {
            "conversations": [
                {"from": "human", "value": "hi"},
                {"from": "gpt", "value": "yo"},
                {"from": "human", "value": "more"},
                {"from": "gpt", "value": "sure"},
            ]
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    return path


def test_formats_lists_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    for name in ("alpaca", "sharegpt", "openai", "preference_sharegpt", "hh", "kto", "llamafactory_v1"):
        assert name in out


def test_inspect_reports_mixed_formats_and_quarantine(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(mixed), "--rows", "1"]) == 0
    out = capsys.readouterr().out
    assert "mixed file" in out
    assert "rows read 3 = accepted 2 + quarantined 1" in out
    assert "invalid JSON" in out
    assert "q1" in out


def test_convert_writes_reports_drops_and_quarantine(
    mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "dolly.jsonl"
    bad_path = tmp_path / "bad.jsonl"
    code = main(["convert", str(mixed), "--to", "dolly", "-o", str(out_path), "--quarantine", str(bad_path)])
    assert code == 0
    assert lines(out_path) == [{"instruction": "q1", "context": "ctx", "response": "a1", "category": ""}]
    assert [row["line"] for row in lines(bad_path)] == [3]
    out = capsys.readouterr().out
    assert "multi-turn conversation (dolly holds one exchange)" in out
    assert f"wrote 1 dolly rows to {out_path}" in " ".join(out.split())


def test_convert_strict_fails_and_json_output(mixed: Path, tmp_path: Path) -> None:
    out_path = tmp_path / "chat.json"
    assert main(["convert", str(mixed), "--to", "sharegpt", "-o", str(out_path), "--strict"]) == 1
    rows = json.loads(out_path.read_text("utf-8"))
    assert rows[0]["conversations"][0] == {"from": "human", "value": "q1\nctx"}


def test_bad_format_name_is_a_usage_error(mixed: Path, tmp_path: Path) -> None:
    assert main(["convert", str(mixed), "--to", "alpacca", "-o", str(tmp_path / "x.jsonl")]) == 2
    assert main(["inspect", str(tmp_path / "missing.jsonl")]) == 2


def test_line_ranges_compress_consecutive_lines() -> None:
    from winnow.curation.cli.inspect import line_ranges

    assert line_ranges([9, 1, 2, 3, 7, 10]) == "1-3, 7, 9-10"
    assert line_ranges([]) == ""
    assert line_ranges(list(range(0, 20, 2)), limit=2) == "0, 2, … (8 more ranges)"
