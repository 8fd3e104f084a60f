"""atomic_folder: a folder appears whole or not at all, with or without an atomic exchange, and what a killed
write left next to it is cleaned up (or put back) by the next write. A failed write names the file it was
writing, never a temporary name."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import polars as pl
import pytest

from winnow.curation import atomic
from winnow.curation.atomic import atomic_folder, atomic_open, write_parquet
from winnow.curation.errors import UsageError, WinnowError


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_folder_is_replaced_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool) -> None:
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    target = tmp_path / "out"
    with atomic_folder(target) as staging:
        assert sorted(os.listdir(tmp_path)) == [staging.name]
        assert staging.name.startswith(".out.tmp-")
        _write(staging, {"a.txt": "1", "sub/b.txt": "2", "keep/c.txt": "3"})
    assert _tree(target) == {"a.txt": "1", "keep/c.txt": "3", "sub/b.txt": "2"}
    assert target.stat().st_mode & 0o777 == 0o777 & ~atomic._umask()

    with atomic_folder(target, carry=lambda name: name == "keep") as staging:
        _write(staging, {"a.txt": "new"})
        assert _tree(target) == {"a.txt": "1", "keep/c.txt": "3", "sub/b.txt": "2"}  # untouched until the end
    assert _tree(target) == {"a.txt": "new", "keep/c.txt": "3"}
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_an_error_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    _write(target, {"a.txt": "old"})

    def stopped_half_way() -> None:
        with atomic_folder(target) as staging:
            _write(staging, {"a.txt": "new", "b.txt": "half"})
            raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        stopped_half_way()
    assert _tree(target) == {"a.txt": "old"}
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_the_next_write_undoes_what_a_kill_left(tmp_path: Path) -> None:
    target = tmp_path / "out"
    # killed between the two renames of the fallback: the old folder is renamed away, the new one not in yet
    old = tmp_path / ".out.old-abc123"
    old.mkdir()
    _write(old, {"a.txt": "old"})
    (tmp_path / ".out.tmp-def456").mkdir()  # a staging folder a kill left
    (tmp_path / ".other.tmp-ghi789").mkdir()  # another folder's: not ours to remove
    with atomic_folder(target, carry=lambda name: True) as staging:
        assert _tree(target) == {"a.txt": "old"}  # put back before anything else
        _write(staging, {"b.txt": "new"})
    assert _tree(target) == {"a.txt": "old", "b.txt": "new"}
    assert sorted(os.listdir(tmp_path)) == [".other.tmp-ghi789", "out"]


def test_the_working_folder_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    for path in (".", "..", str(tmp_path / "a")):
        with pytest.raises(UsageError, match="is the current folder or holds it"), atomic_folder(path):
            pass
    assert sorted(os.listdir(tmp_path)) == ["a"]


# --- a failed write names its file ---------------------------------------------------------------------


def _full_disk(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as write(2) reports it: no file name


def _half_written(path: Path) -> None:
    with atomic_open(path) as handle:
        handle.write("{")
        _full_disk()


def test_a_failed_write_names_the_file_not_its_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    with pytest.raises(OSError, match="No space left on device") as failed:
        _half_written(target)
    assert (failed.value.errno, failed.value.filename) == (errno.ENOSPC, str(target))
    assert os.listdir(tmp_path) == []


def test_a_failed_rename_names_the_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"

    def replace(source: str, destination: str) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(source), str(destination))

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(PermissionError) as failed, atomic_open(target) as handle:
        handle.write("{}")
    assert (failed.value.filename, failed.value.filename2) == (str(target), None)
    assert os.listdir(tmp_path) == []


def test_a_polars_error_reporting_a_full_disk_is_that_os_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> None:  # what write_parquet raises on a full disk
        raise pl.exceptions.ComputeError(
            "parquet: underlying IO error: No space left on device (os error 28)"
        )

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    target = tmp_path / "rows.parquet"
    with pytest.raises(OSError, match="No space left on device") as failed:
        write_parquet(target, pl.DataFrame({"a": [1]}))
    assert (failed.value.errno, failed.value.filename) == (errno.ENOSPC, str(target))
    assert isinstance(failed.value.__cause__, pl.exceptions.ComputeError)
    assert os.listdir(tmp_path) == []


def test_an_error_in_a_folder_names_the_files_place_in_it(tmp_path: Path) -> None:
    target = tmp_path / "run"

    def denied() -> None:
        with atomic_folder(target) as staging, atomic_open(staging / "sub" / "a.txt"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def full() -> None:
        with atomic_folder(target) as staging:
            _half_written(staging / "a.txt")

    with pytest.raises(PermissionError) as failed:
        denied()
    assert failed.value.filename == str(target / "sub" / "a.txt")
    with pytest.raises(WinnowError) as stopped:
        full()
    assert stopped.value.message == (
        f"no space left on the device while writing {target / 'a.txt'}; {target} is left as it was before"
    )
    assert os.listdir(tmp_path) == []
