"""The read cache: an unchanged file's parsed rows come back from the cache exactly as a fresh read gives
them (rows, ids, dtypes, quarantine, counts); a changed byte, another forced format or another source name
reads the file again; small files, and damaged entries, are read as always."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from winnow.curation.io import read as read_module
from winnow.curation.io import read_cache
from winnow.curation.io.read import ReadResult, read_corpus

ALPACA = [
    {"instruction": f"Give the number after {i}.", "input": "", "output": f"The number after {i} is {i + 1}."}
    for i in range(40)
]
CHATS = [
    {"messages": [{"role": "user", "content": f"Say hi {i}"}, {"role": "assistant", "content": f"Hi {i}!"}]}
    for i in range(5)
]


def _write(path: Path) -> Path:
    lines = [json.dumps(row) for row in ALPACA[:20]]
    lines += ['{"instruction": "broken', ""]  # a bad line (quarantined) and a blank one (skipped)
    lines += [json.dumps(row) for row in CHATS]  # another format in the same file
    lines += [json.dumps(row) for row in ALPACA[20:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _same(a: ReadResult, b: ReadResult) -> None:
    assert a.records.schema == b.records.schema
    assert a.records.equals(b.records)
    assert a.quarantine.equals(b.quarantine)
    assert (a.formats, a.rows_read, a.skipped) == (b.formats, b.rows_read, b.skipped)


def _entries(cache: Path) -> list[str]:
    folder = cache / "stages" / "read"
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def _no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> None:
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(read_module, "read_source", fail)


def test_a_re_read_comes_from_the_cache_and_equals_a_fresh_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_cache, "MIN_BYTES", 0)
    data, cache = _write(tmp_path / "data.jsonl"), tmp_path / "cache"
    fresh = read_corpus([data])
    first = read_corpus([data], cache_dir=cache)
    assert len(_entries(cache)) == 1
    _no_reading(monkeypatch)
    again = read_corpus([data], cache_dir=cache)
    _same(fresh, first)
    _same(fresh, again)
    assert again.records.height == 45
    assert again.formats == {str(data): {"alpaca": 40, "openai": 5}}
    assert again.quarantine["line"].to_list() == [21]
    assert again.rows_read == 46


def test_a_changed_byte_a_forced_format_or_another_name_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_cache, "MIN_BYTES", 0)
    data, cache = _write(tmp_path / "data.jsonl"), tmp_path / "cache"
    read_corpus([data], cache_dir=cache)
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("after 7.", "after 8.", 1), encoding="utf-8")  # same size, one byte
    changed = read_corpus([data], cache_dir=cache)
    assert changed.records["messages"][7][0]["content"] == "Give the number after 8."
    _same(changed, read_corpus([data]))
    forced = read_corpus([data], cache_dir=cache, format="alpaca")  # the chat rows are quarantined now
    _same(forced, read_corpus([data], format="alpaca"))
    assert forced.quarantine.height == 6
    copy = tmp_path / "other.jsonl"
    copy.write_bytes(data.read_bytes())  # the same bytes under another name: rows carry another source
    _same(read_corpus([copy], cache_dir=cache), read_corpus([copy]))
    assert len(_entries(cache)) == 4


def test_small_files_are_not_cached(tmp_path: Path) -> None:
    data, cache = _write(tmp_path / "data.jsonl"), tmp_path / "cache"
    assert data.stat().st_size < read_cache.MIN_BYTES
    _same(read_corpus([data], cache_dir=cache), read_corpus([data]))
    assert _entries(cache) == []


def test_a_damaged_entry_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_cache, "MIN_BYTES", 0)
    data, cache = _write(tmp_path / "data.jsonl"), tmp_path / "cache"
    read_corpus([data], cache_dir=cache)
    (entry,) = _entries(cache)
    (cache / "stages" / "read" / entry / "tables" / "quarantine").unlink()
    _same(read_corpus([data], cache_dir=cache), read_corpus([data]))


def test_every_file_of_a_run_keeps_its_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More files than the stage cache's usual few: a re-run finds every one of them."""
    monkeypatch.setattr(read_cache, "MIN_BYTES", 0)
    files = []
    for i in range(read_cache.KEEP + 3):
        files.append(_write(tmp_path / f"part-{i}.jsonl"))
    cache = tmp_path / "cache"
    first = read_corpus(files, cache_dir=cache)
    assert len(_entries(cache)) == len(files)
    _no_reading(monkeypatch)
    _same(read_corpus(files, cache_dir=cache), first)
