"""`winnow curate` into a folder holding a run of other inputs: refused (exit 2) unless --force."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from winnow.curation.cli.main import main
from winnow.curation.cli.run_guard import names, other_run_inputs

RULES = "checks:\n  - check: min_length\n    field: response\n    params: {min_chars: 1}\n"


@pytest.fixture
def corpora(tmp_path: Path) -> tuple[Path, Path, Path]:
    for name in ("a", "b"):
        rows = [{"instruction": f"{name} question {i}", "output": f"{name} answer {i}"} for i in range(5)]
        (tmp_path / f"{name}.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    return tmp_path / "a.json", tmp_path / "b.json", tmp_path / "rules.yaml"


def _curate(inputs: list[str], rules: Path, run_dir: Path, *extra: str) -> int:
    return main(["curate", *inputs, "--rules", str(rules), "-o", str(run_dir), "--no-report", *extra])


def _inputs(run_dir: Path) -> list[str]:
    return json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))["inputs"]


def test_other_inputs_are_refused_and_force_replaces(
    corpora: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, rules = corpora
    run_dir = tmp_path / "run"
    assert _curate([str(a)], rules, run_dir) == 0
    assert _curate([str(a)], rules, run_dir) == 0  # the same inputs: a re-run, the last one kept as previous/
    assert (run_dir / "previous").is_dir()
    capsys.readouterr()
    assert _curate([str(b)], rules, run_dir) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"error: {run_dir} holds a run of other inputs ({a}); this run reads {b}" in err
    assert "pass --force to replace that run" in err
    assert _inputs(run_dir) == [str(a)]  # untouched
    assert _curate([str(b)], rules, run_dir, "--force") == 0
    assert _inputs(run_dir) == [str(b)]
    assert not (run_dir / "previous").exists()  # a's snapshot would make the report compare unrelated corpora


def test_the_same_files_named_another_way_are_the_same_inputs(
    corpora: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, rules = corpora
    run_dir = tmp_path / "run"
    assert _curate([str(a), str(b)], rules, run_dir) == 0
    monkeypatch.chdir(tmp_path)
    assert other_run_inputs(run_dir, ["./b.json", "a.json"]) is None
    assert other_run_inputs(run_dir, [str(tmp_path / "*.json")]) is None
    assert other_run_inputs(run_dir, ["a.json"]) == [str(a), str(b)]
    assert other_run_inputs(tmp_path / "nothing-here", ["a.json"]) is None
    os.remove(a)  # recorded inputs that are gone are compared as written
    assert other_run_inputs(run_dir, [str(a), str(b)]) is None
    assert names(["x", "y", "z", "w", "v"]) == "x, y, z and 2 more"
