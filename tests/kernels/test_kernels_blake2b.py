"""The compiled BLAKE2b-64 equals hashlib's, byte for byte, on every length class of message."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import polars as pl
import pytest

from winnow.curation.kernels.blake2b import PIECE_ROWS, blake2b64


def _hashlib(keys: list[str], prefix: bytes) -> list[int]:
    return [int.from_bytes(hashlib.blake2b(prefix + k.encode(), digest_size=8).digest(), "big") for k in keys]


# messages of 0, 1, 127, 128 (one full block: compressed as the last one), 129, 256 and 1000 bytes, and
# multi-byte UTF-8 across a block boundary
KEYS = ["", "a", "x" * 127, "x" * 128, "x" * 129, "y" * 256, "z" * 1000, "héllo 你好", "é" * 70, "🙂" * 40]


@pytest.mark.parametrize("prefix", [b"", b"winnow-split\x1f0\x1f", b"p" * 127, b"q" * 128, b"r" * 300])
def test_equals_hashlib(prefix: bytes) -> None:
    assert blake2b64(pl.Series(KEYS), prefix).tolist() == _hashlib(KEYS, prefix)


def test_known_value() -> None:
    # RFC 7693's example message, 8-byte digest (hashlib.blake2b(b"abc", digest_size=8).hexdigest())
    assert blake2b64(pl.Series(["abc"]), b"").tolist() == [int("d8bb14d833d59559", 16)]


def test_sliced_chunked_and_empty_columns() -> None:
    chunked = pl.concat([pl.Series(["a", "bb"]), pl.Series(["ccc"])], rechunk=False)
    assert blake2b64(chunked, b"s").tolist() == _hashlib(["a", "bb", "ccc"], b"s")
    assert blake2b64(chunked.slice(1, 2), b"s").tolist() == _hashlib(["bb", "ccc"], b"s")
    assert blake2b64(pl.Series([], dtype=pl.String), b"s").tolist() == []


def test_a_large_column_in_pieces_on_threads_gives_the_same_numbers() -> None:
    keys = [f"row-{i}" * (i % 5) for i in range(2 * PIECE_ROWS + 3)]
    assert blake2b64(pl.Series(keys), b"salt").tolist() == _hashlib(keys, b"salt")


def test_null_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be null"):
        blake2b64(pl.Series(["a", None]), b"")


def test_kernel_loaded_turns_true_with_the_first_compiled_call() -> None:
    # a fresh process: importing the kernels sets nothing up; the first call does
    script = (
        "import polars as pl\n"
        "from winnow.curation.kernels.blake2b import blake2b64\n"
        "from winnow.curation.kernels.compiled import kernel_loaded\n"
        "before = kernel_loaded()\n"
        "blake2b64(pl.Series(['a']), b'')\n"
        "print(before, kernel_loaded())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.split() == ["False", "True"]
