"""The prebuilt tables on disk (winnow.curation.language.tables, .word_table): read back bit for bit, rebuilt when
damaged, in memory when the cache folder cannot be written; the word table gives wordfreq's own numbers."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_path
from winnow.curation.language import profiles
from winnow.curation.language.tables import cached_arrays, pack_strings, table_path, unpack_strings
from winnow.curation.language.word_table import WORDLIST, WordTable, build_arrays, word_table
from winnow.curation.language.words import frequencies, text_tokens


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "winnow"


def test_arrays_are_built_once_then_read_back_bit_for_bit(cache_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("v1", encoding="utf-8")
    built: list[int] = []

    def build() -> dict[str, np.ndarray]:
        built.append(1)
        return {"x": np.array([0.1, 1e-300, 3.0]), "s": pack_strings(["a", "", "ж"])}

    first = cached_arrays("t", [source], ("x", "s"), build)
    again = cached_arrays("t", [source], ("x", "s"), build)
    assert len(built) == 1
    assert again["x"].tobytes() == first["x"].tobytes()
    assert unpack_strings(again["s"]) == ["a", "", "ж"]
    assert table_path("t", [source]).parent == cache_home
    # another source file (another langdetect or wordfreq) is another table
    source.write_text("v2!", encoding="utf-8")
    cached_arrays("t", [source], ("x", "s"), build)
    assert len(built) == 2


def test_a_damaged_table_is_rebuilt(cache_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("v1", encoding="utf-8")
    arrays = {"x": np.arange(3)}
    cached_arrays("t", [source], ("x",), lambda: arrays)
    folder = table_path("t", [source])
    (folder / "x.npy").write_bytes(b"not an array")
    assert cached_arrays("t", [source], ("x",), lambda: arrays)["x"].tolist() == [0, 1, 2]
    assert np.load(folder / "x.npy").tolist() == [0, 1, 2]
    (folder / "x.npy").unlink()  # a missing array: rebuilt too
    assert cached_arrays("t", [source], ("x",), lambda: arrays)["x"].tolist() == [0, 1, 2]


def test_an_unwritable_cache_keeps_the_table_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")  # a file where the cache folder would go
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    source = tmp_path / "source.txt"
    source.write_text("v1", encoding="utf-8")
    assert cached_arrays("t", [source], ("x",), lambda: {"x": np.arange(2)})["x"].tolist() == [0, 1]


def test_a_string_holding_the_separator_is_not_packed() -> None:
    with pytest.raises(ValueError, match="separator"):
        pack_strings(["a\x00b"])


def test_profiles_from_disk_equal_the_profiles_built_from_json(cache_home: Path) -> None:
    built = profiles.build_profiles()
    stored = profiles.load_profiles.__wrapped__()  # builds and stores
    read = profiles.load_profiles.__wrapped__()  # maps the stored arrays
    assert isinstance(read.weights, np.memmap)
    for loaded in (stored, read):
        assert loaded.names == built.names
        assert loaded.vocab == built.vocab
        assert list(loaded.vocab.values()) == list(range(len(built.vocab)))
        assert loaded.weights.tobytes() == built.weights.tobytes()


def test_the_normalize_table_from_disk_equals_the_one_built_from_langdetect(cache_home: Path) -> None:
    built = profiles.build_normalize_table()
    assert len(built) > 18_000
    assert profiles.normalize_table.__wrapped__() == built  # built and stored
    assert profiles.normalize_table.__wrapped__() == built  # read back
    assert list(profiles.normalize_table.__wrapped__()) == list(built)  # in the same order


def _table(words: list[str], entries: list[list[tuple[int, float]]], names: tuple[str, ...]) -> WordTable:
    """A WordTable over `words` laid out as build_arrays lays it out (sorted by crc32, then bytes)."""
    order = sorted(range(len(words)), key=lambda i: (zlib.crc32(words[i].encode()), words[i].encode()))
    encoded = [words[i].encode() for i in order]
    ends = np.cumsum([len(e) for e in encoded])
    return WordTable(
        names=names,
        words=b"".join(encoded),
        word_starts=ends - [len(e) for e in encoded],
        word_ends=ends,
        hashes=np.array([zlib.crc32(e) for e in encoded], dtype=np.uint32),
        starts=np.concatenate([[0], np.cumsum([len(entries[i]) for i in order])]),
        lists=np.array([li for i in order for li, _ in entries[i]], dtype=np.uint8),
        freqs=np.array([f for i in order for _, f in entries[i]], dtype=np.float64),
    )


def test_a_crc32_collision_never_confuses_two_words() -> None:
    assert zlib.crc32(b"plumless") == zlib.crc32(b"buckeroo")  # a known collision
    table = _table(
        ["plumless", "buckeroo", "cat"], [[(0, 0.5)], [(1, 0.25)], [(0, 0.125), (1, 1.0)]], ("a", "b")
    )
    got = table.frequencies(["buckeroo", "plumless", "cat", "dog", ""], ["b", "a", "b"])
    assert got.tolist() == [[0.25, 0.0, 0.25], [0.0, 0.5, 0.0], [1.0, 0.125, 1.0], [0.0] * 3, [0.0] * 3]
    assert table.frequencies([], ["a"]).shape == (0, 1)
    assert table.frequencies(["cat"], []).shape == (1, 0)


def test_the_word_table_gives_wordfreqs_frequencies_for_every_list() -> None:
    table = word_table()
    assert len(table.names) == 42
    assert list(table.names) == sorted(table.names)
    tokens = ["надо", "ему", "the", "het", "die", "zzqxvw", "", "l", "don't", "ภาษาไทย", "鸡肉"]
    names = [*table.names, "nl"]  # a list may be asked for twice: Afrikaans reads Dutch's
    got = table.frequencies(tokens, names)
    expected = [[frequencies(name).get(token, 0.0) for name in names] for token in tokens]
    assert got.tolist() == expected
    assert got[0, table.names.index("ru")] == frequencies("ru")["надо"] > 0.0


def test_the_word_table_equals_wordfreq_on_real_text_tokens() -> None:
    path = shared_path("lingua_langid", "lingua_langid_dev.jsonl")
    with path.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for _, line in zip(range(3000), handle, strict=False)]
    tokens = sorted({token for text in texts for token in text_tokens(text)})
    table = word_table()
    got = table.frequencies(tokens, list(table.names))
    for column, name in enumerate(table.names):
        words = frequencies(name)
        assert got[:, column].tolist() == [words.get(token, 0.0) for token in tokens], name
    assert int((got > 0).sum()) > 10_000  # most of these tokens are words of some list


def test_build_arrays_reads_wordfreqs_lists() -> None:
    arrays = build_arrays(["nl", "ca"])  # unsorted names are kept in the order given
    assert unpack_strings(arrays["names"]) == ["nl", "ca"]
    assert WORDLIST == "small"
    assert len(arrays["word_starts"]) == len(arrays["hashes"]) == len(arrays["starts"]) - 1
    assert np.all(np.diff(arrays["hashes"].astype(np.int64)) >= 0)


def test_partial_folders_of_processes_that_are_gone_are_removed(cache_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("v1", encoding="utf-8")
    folder = table_path("t", [source])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        for pid in (gone.pid, alive.pid):
            partial = folder.with_name(f"{folder.name}.{pid}.tmp")
            partial.mkdir(parents=True)
            (partial / "x.npy").write_bytes(b"half")
        cached_arrays("t", [source], ("x",), lambda: {"x": np.arange(2)})
        left = sorted(p.name for p in folder.parent.iterdir())
        assert left == sorted([folder.name, f"{folder.name}.{alive.pid}.tmp"])
    finally:
        assert alive.stdin is not None
        alive.stdin.close()
        alive.wait()
