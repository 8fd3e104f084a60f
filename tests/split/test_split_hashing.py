"""split.hashing.cached_uniform_hashes: the same numbers as uniform_hashes, read back for the same keys and
salt, computed again for any other keys, order or salt; small inputs never touch the cache."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from winnow.curation.split import hashing


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = hashing.uniform_hashes

    def counting(keys: pl.Series, salt: str) -> object:
        calls.append(len(keys))
        return original(keys, salt)

    monkeypatch.setattr(hashing, "uniform_hashes", counting)
    monkeypatch.setattr(hashing, "CACHED_FROM", 3)
    return calls


def test_read_back_for_the_same_keys_and_salt(tmp_path: Path, counted: list[int]) -> None:
    keys = pl.Series([f"row-{i}" for i in range(50)])
    first = hashing.cached_uniform_hashes(keys, "winnow-mix\x1f0\x1f", tmp_path)
    again = hashing.cached_uniform_hashes(keys, "winnow-mix\x1f0\x1f", tmp_path)
    assert counted == [50]
    assert again.tolist() == first.tolist() == hashing.uniform_hashes(keys, "winnow-mix\x1f0\x1f").tolist()


def test_other_keys_order_or_salt_are_hashed(tmp_path: Path, counted: list[int]) -> None:
    keys = pl.Series([f"row-{i}" for i in range(50)])
    hashing.cached_uniform_hashes(keys, "a", tmp_path)
    hashing.cached_uniform_hashes(keys.reverse(), "a", tmp_path)
    hashing.cached_uniform_hashes(keys, "b", tmp_path)
    hashing.cached_uniform_hashes(keys.head(49), "a", tmp_path)
    assert counted == [50, 50, 50, 49]


def test_small_inputs_and_no_folder_skip_the_cache(tmp_path: Path, counted: list[int]) -> None:
    hashing.cached_uniform_hashes(pl.Series(["a", "b"]), "s", tmp_path)
    hashing.cached_uniform_hashes(pl.Series(["a", "b", "c"]), "s", None)
    assert counted == [2, 3]
    assert not (tmp_path / "stages").exists()
