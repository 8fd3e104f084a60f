"""Every error reaches the person as one plain message and an exit code, never a traceback (unless --debug).

User text (paths, messages, corpus strings) is printed as it is, never read as Rich markup.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl
import pytest

from winnow.curation import atomic
from winnow.curation.cli.main import main

REPO = Path(__file__).resolve().parents[2]
ROWS = [{"instruction": f"question {i}", "output": f"answer {i}"} for i in range(40)]


def one_line_err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return " ".join(err.split())


@pytest.fixture
def alpaca(tmp_path: Path) -> Path:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    return path


# --- Rich markup: user text is printed literally ------------------------------------------------------


def test_a_path_with_a_closing_tag_is_printed_literally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["inspect", "x_[/].jsonl"]) == 2  # was: rich.errors.MarkupError, a traceback
    assert "error: no file matches 'x_[/].jsonl'" in one_line_err(capsys)


def test_a_path_with_a_style_tag_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("x_[bold].jsonl").write_text('{"instruction": "q [red]x[/]", "output": "a"}\n{broken\n', "utf-8")
    assert main(["inspect", "x_[bold].jsonl", "--rows", "1"]) == 0
    out = capsys.readouterr().out
    assert "│ x_[bold].jsonl │ alpaca" in out  # the formats table (was "x_.jsonl")
    assert "│ x_[bold].jsonl │ 2 " in out  # the quarantine table
    assert "q [red]x[/]" in out


def test_rules_check_prints_a_bracketed_path_literally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a[").mkdir()
    Path("a[/]b.yaml").write_text("mappers: [strip]\n", encoding="utf-8")
    assert main(["rules", "check", "a[/]b.yaml"]) == 0
    assert capsys.readouterr().out.startswith("a[/]b.yaml: ok\n")


# --- OSError: one message, the errno's hint, exit 1; --debug adds the traceback --------------------------


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes through the atomic writer fail with ENOSPC after the first 100 bytes, as a full disk does."""
    real_open = atomic.atomic_open

    class FullDisk:
        def __init__(self, handle: IO[Any]) -> None:
            self.handle, self.written = handle, 0

        def write(self, text: Any) -> int:
            self.written += len(text)
            if self.written > 100:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return int(self.handle.write(text))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.handle, name)

    @contextlib.contextmanager
    def full_open(path: Any, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[Any]:
        with real_open(path, mode, encoding) as handle:
            yield FullDisk(handle)

    monkeypatch.setattr("winnow.curation.io.write.atomic_open", full_open)


@pytest.mark.usefixtures("disk_full")
def test_disk_full_is_one_message_and_nothing_half_written(
    alpaca: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "dolly.jsonl"
    assert main(["convert", str(alpaca), "--to", "dolly", "-o", str(out)]) == 1
    err = one_line_err(capsys)
    assert f"error: {out}: No space left on device (errno 28, ENOSPC)" in err  # the file, not its temporary
    assert "hint: free some disk space" in err
    assert list(out.parent.iterdir()) == []  # neither the file nor its temporary


@pytest.mark.usefixtures("disk_full")
def test_debug_adds_the_traceback(alpaca: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dolly.jsonl"
    assert main(["--debug", "convert", str(alpaca), "--to", "dolly", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "OSError: [Errno 28] No space left on device" in err
    assert err.rstrip().splitlines()[-2].startswith(f"error: {out}: No space left on device")


def test_a_full_disk_in_a_run_folder_names_the_file_and_keeps_the_previous_run(
    alpaca: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("checks: []\n", encoding="utf-8")
    run = tmp_path / "run"
    argv = ["curate", str(alpaca), "--rules", str(rules), "-o", str(run), "--no-report"]
    assert main(argv) == 0
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    real = pl.DataFrame.write_parquet

    def full(frame: pl.DataFrame, file: Any, *args: Any, **kwargs: Any) -> None:
        if Path(file).name.startswith(".rows.parquet."):  # the temporary file of run/rows.parquet
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as write(2) reports it: no file name
        real(frame, file, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    capsys.readouterr()
    assert main(argv) == 1
    assert one_line_err(capsys).endswith(  # after the progress lines
        f"error: no space left on the device while writing {run / 'rows.parquet'}; {run} is left as it was "
        f"before hint: free some space on the disk of {tmp_path} and run again"
    )
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before  # previous/: a snapshot
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl", "rules.yaml", "run"]  # no staging


def test_an_os_error_inside_a_polars_error_is_the_machine_not_a_bug(
    alpaca: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(*args: object, **kwargs: object) -> None:  # what write_parquet raises on a full disk
        raise pl.exceptions.ComputeError(
            "parquet: File out of specification: underlying IO error: No space left on device (os error 28)"
        )

    monkeypatch.setattr("winnow.curation.cli.convert.write_records", full)
    assert main(["convert", str(alpaca), "--to", "dolly", "-o", str(tmp_path / "o.jsonl")]) == 1
    err = one_line_err(capsys)
    assert err.startswith("error: No space left on device (errno 28, ENOSPC) hint: free some disk space")
    assert "bug" not in err


def test_permission_error_names_the_file(
    alpaca: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dolly.jsonl"

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out))

    monkeypatch.setattr("winnow.curation.cli.convert.write_records", denied)
    assert main(["convert", str(alpaca), "--to", "dolly", "-o", str(out)]) == 1
    err = one_line_err(capsys)
    assert f"error: {out}: Permission denied (errno 13, EACCES)" in err
    assert "hint: check the permissions" in err


# --- a bug: one line naming it, exit 1 -----------------------------------------------------------------


def test_an_unexpected_exception_is_one_line_saying_bug(
    alpaca: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("messages")

    monkeypatch.setattr("winnow.curation.cli.inspect.read_corpus", broken)
    assert main(["inspect", str(alpaca)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert err.startswith("error: unexpected KeyError: 'messages' — this is a bug in winnow;")
    assert "run with --debug for the traceback" in err


def test_train_commands_are_covered_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["train", "--shards", str(tmp_path), "--model", "m", "-o", str(tmp_path / "out")]
    missing = tmp_path / "no [such] config.yaml"
    assert main([*args, "--config", str(missing)]) == 2
    assert f"1 problem(s) in {missing}: - cannot read: No such file or directory" in one_line_err(capsys)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("CUDA error: device-side assert triggered\nmore")

    monkeypatch.setattr("winnow.trainer.cli.train_cmd.load_config", broken)
    assert main(args) == 1
    err = one_line_err(capsys)
    assert err.startswith(
        "error: unexpected RuntimeError: CUDA error: device-side assert triggered more — this is"
    )


# --- a damaged Hugging Face save_to_disk folder ------------------------------------------------------


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    datasets = pytest.importorskip("datasets")
    folder = tmp_path / "hf"
    datasets.Dataset.from_list(ROWS).save_to_disk(str(folder))
    return folder


def arrow_file(folder: Path) -> Path:
    (path,) = folder.glob("*.arrow")
    return path


def test_a_truncated_arrow_file_is_one_message_naming_it(
    saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = arrow_file(saved)
    os.truncate(path, path.stat().st_size // 2)
    assert main(["inspect", str(saved)]) == 1  # was: polars ComputeError, a traceback
    err = one_line_err(capsys)
    assert f"error: {path}: cannot read this Arrow file of a save_to_disk folder" in err
    assert "hint: the save_to_disk folder is damaged" in err


def test_an_arrow_file_cut_between_batches_is_refused(
    saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = arrow_file(saved)
    os.truncate(path, path.stat().st_size - 8)  # the end-of-stream marker: every batch still parses
    assert main(["inspect", str(saved)]) == 1
    assert f"{path}: this Arrow file of a save_to_disk folder is truncated" in one_line_err(capsys)


def test_a_damaged_state_json_is_one_message(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (saved / "state.json").write_text("{", encoding="utf-8")
    assert main(["inspect", str(saved)]) == 1
    assert f"error: {saved / 'state.json'}: cannot read this save_to_disk file" in one_line_err(capsys)


def test_a_real_process_prints_one_message(saved: Path) -> None:
    os.truncate(arrow_file(saved), 300)
    command = [sys.executable, "-m", "winnow", "inspect", str(saved)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {arrow_file(saved)}: cannot read this Arrow file")
