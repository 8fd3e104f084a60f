"""Issue 23, item 3: kept rows holding U+2028, U+2029 or U+0085 (real GSM8K rows do) export and read back,
and an export that fails leaves OUTDIR as it was (no half folder, no staging folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import shared_path
from winnow.curation.export import run as export_module
from winnow.curation.export.run import ExportError, export_run
from winnow.curation.run_curate import run_curate

GSM8K_ROWS = slice(2375, 2385)  # row 2381 holds two U+2028 in its instruction
SEPARATORS = {"\u2029": "paragraph separator", "\x85": "next line (NEL)"}


def _run(tmp_path: Path, separators: bool = True) -> tuple[Path, list[dict[str, str]]]:
    gsm8k = json.loads(shared_path("alpaca_data_cleaned", "gsm_8k_train.json").read_text(encoding="utf-8"))
    rows = gsm8k[GSM8K_ROWS] if separators else gsm8k[2390:2402]
    separator_rows = [
        {"instruction": f"Explain the {name}.", "input": "", "output": f"One line{char}another line."}
        for char, name in SEPARATORS.items()
    ]
    rows += separator_rows if separators else []
    corpus = tmp_path / "rows.json"
    corpus.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("checks: []\n", encoding="utf-8")
    run_curate([corpus], rules, tmp_path / "run", cache_dir=tmp_path / "cache")
    return tmp_path / "run", rows


def test_rows_with_unicode_line_separators_export_and_read_back(tmp_path: Path) -> None:
    run, rows = _run(tmp_path)
    assert sum("\u2028" in row["instruction"] for row in rows) == 1
    out = tmp_path / "out"
    result = export_run(run, out, format="alpaca", hf=True)
    assert [
        (s.split, s.report.rows_written, s.verification.rows_read, s.verification.matched)
        for s in result.splits
    ] == [("train", 12, 12, 12)]
    assert [c.matched for c in result.hf_checks] == [12]
    assert result.problems == []
    lines = (out / "train.jsonl").read_text(encoding="utf-8").split("\n")
    assert len(lines) == 13
    assert lines[-1] == ""
    written = [json.loads(line) for line in lines[:-1]]
    assert [row["instruction"] for row in written] == [row["instruction"] for row in rows]
    assert [row["output"] for row in written[-2:]] == [
        "One line\u2029another line.",
        "One line\x85another line.",
    ]
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "dataset_info.json",
        "export.json",
        "hf",
        "train.jsonl",
    ]
    assert json.loads((out / "export.json").read_text(encoding="utf-8"))["ok"] is True


def test_a_failed_export_leaves_the_folder_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = _run(tmp_path, separators=False)
    out = tmp_path / "out"
    export_run(run, out, format="sharegpt")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == ["README.md", "dataset_info.json", "export.json", "train.jsonl"]

    real_verify = export_module.verify_file

    def one_row_short(*args: object) -> export_module.Verification:
        check = real_verify(*args)  # type: ignore[arg-type]
        check.problems.append(f"{check.path}: wrote 12 rows but read back 11")
        return check

    monkeypatch.setattr(export_module, "verify_file", one_row_short)
    with pytest.raises(ExportError) as failure:
        export_run(run, out, format="alpaca")
    assert failure.value.message == (
        f"exported files do not match the canonical rows:\n  - {out / 'train.jsonl'}: wrote 12 rows but read back 11"
    )
    assert failure.value.hint == f"nothing was written: {out} is left as it was"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # still the sharegpt export
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "rows.json", "rules.yaml", "run"]

    fresh = tmp_path / "fresh"
    with pytest.raises(ExportError):
        export_run(run, fresh, format="alpaca")
    assert not fresh.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "rows.json", "rules.yaml", "run"]
