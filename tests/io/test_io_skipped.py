"""A folder or glob never drops a file in silence (issue 23 item 6): .jsonl.gz / .json.gz / .jsonl.zst are
read, and every entry not read is listed with its reason by read_corpus, `winnow inspect`, `winnow curate`'s
output and the run's stats.json."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from winnow.curation.cli.main import main
from winnow.curation.errors import UsageError
from winnow.curation.io.expand import Skipped
from winnow.curation.io.read import read_corpus

ROW = json.dumps({"instruction": "q", "input": "", "output": "a"}) + "\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """3 plain rows, 10 gzip rows, 2 zstd rows, and five entries winnow does not read."""
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "a.jsonl").write_text(ROW * 3, encoding="utf-8")
    (data / "b.jsonl.gz").write_bytes(gzip.compress((ROW * 10).encode()))
    (data / "sub" / "c.jsonl.zst").write_bytes(pytest.importorskip("zstandard").compress((ROW * 2).encode()))
    (data / "notes.md").write_text("not data", encoding="utf-8")
    (data / "docs.txt.gz").write_bytes(gzip.compress(b"text"))
    (data / "sub" / "rows.csv").write_text("a,b\n", encoding="utf-8")
    (data / ".cache").mkdir()
    (data / ".cache" / "x.jsonl").write_text(ROW, encoding="utf-8")
    (data / "dataset_info.json").write_text("{}", encoding="utf-8")
    return data


def expected_skipped(data: Path) -> list[Skipped]:
    return [
        Skipped(str(data / ".cache"), "hidden (the name starts with '.')"),
        Skipped(
            str(data / "dataset_info.json"),
            "a LLaMA-Factory registry: name an entry as PATH/dataset_info.json:NAME",
        ),
        Skipped(
            str(data / "docs.txt.gz"),
            "compressed .txt is not read (only .json and .jsonl files are decompressed)",
        ),
        Skipped(str(data / "notes.md"), "unsupported file type .md"),
        Skipped(str(data / "sub" / "rows.csv"), "unsupported file type .csv"),
    ]


def test_a_folder_reads_compressed_files_and_lists_what_it_skips(folder: Path) -> None:
    result = read_corpus([folder])
    assert result.rows_read == 15  # was 3: the 10 gzip rows were never counted
    assert result.formats == {
        str(folder / "a.jsonl"): {"alpaca": 3},
        str(folder / "b.jsonl.gz"): {"alpaca": 10},
        str(folder / "sub" / "c.jsonl.zst"): {"alpaca": 2},
    }
    assert result.records.filter(result.records["source"].str.ends_with(".gz"))["line"].to_list() == list(
        range(1, 11)
    )
    assert result.skipped == expected_skipped(folder)


def test_a_glob_lists_its_matches_that_it_skips(folder: Path) -> None:
    result = read_corpus([str(folder / "*")])
    assert result.rows_read == 15
    assert [entry.path for entry in result.skipped] == [
        str(folder / "dataset_info.json"),
        str(folder / "docs.txt.gz"),
        str(folder / "notes.md"),
        str(folder / "sub" / "rows.csv"),
    ]


def test_nothing_readable_names_what_was_skipped(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        read_corpus([tmp_path])
    assert caught.value.hint == f"skipped: {tmp_path / 'notes.md'} (unsupported file type .md)"


def test_a_named_file_of_an_unread_type_is_still_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "docs.txt.gz").write_bytes(gzip.compress(b"text"))
    with pytest.raises(UsageError) as caught:
        read_corpus([tmp_path / "docs.txt.gz"])
    assert caught.value.message == (
        f"{tmp_path / 'docs.txt.gz'}: compressed .txt is not read (only .json and .jsonl files are decompressed)"
    )


def test_inspect_lists_skipped_files(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # table cells on one line
    assert main(["inspect", str(folder), "--rows", "0"]) == 0
    out = capsys.readouterr().out
    assert "skipped files (5): not read" in out
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip() for line in out.splitlines() if "│" in line
    }
    for entry in expected_skipped(folder):
        assert rows[entry.path] == entry.reason
    assert "rows read 15 = accepted 15 + quarantined 0" in out


def test_curate_reports_skipped_files_in_its_output_and_stats(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    rules = tmp_path / "rules.yaml"
    rules.write_text("checks: []\n", encoding="utf-8")
    run = tmp_path / "run"
    assert main(["curate", str(folder), "--rules", str(rules), "-o", str(run), "--no-report"]) == 0
    stats = json.loads((run / "stats.json").read_text(encoding="utf-8"))
    assert stats["rows_read"] == 15
    assert stats["skipped_files"] == [entry.as_dict() for entry in expected_skipped(folder)]
    err = capsys.readouterr().err
    for entry in expected_skipped(folder):
        assert f"skipped {entry.path}: {entry.reason}" in err
