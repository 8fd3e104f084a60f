"""Property: whatever bytes or JSON values a file holds, reading it never raises, and every line (or array
element) is either an accepted row or a quarantine entry that names it: rows_read = accepted + quarantined.

Lines are drawn from arbitrary bytes, arbitrary JSON values (lone surrogates, deep nesting and duplicated
keys included) and objects shaped like every registered format's rows with arbitrary values, and written as
JSONL (plain, gzip, zstd; through Arrow's fast path and line by line), as a JSON array and as text, plus
Parquet text columns under the formats' keys; a read may force any registered format. 60 examples per test:
a few seconds in all.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import winnow.curation.io.jsonl as jsonl
from winnow.curation.formats.registry import all_formats
from winnow.curation.io.read import ReadResult, read_corpus

zstandard = pytest.importorskip("zstandard")

FORMAT_NAMES = sorted(fmt.name for fmt in all_formats())
KEYS = sorted({key for fmt in all_formats() for key in fmt.known_keys} | {"role", "content", "from", "value"})
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# text with every kind of code point, lone surrogates (category Cs) included
TEXT = st.text(
    st.characters(categories=["L", "N", "P", "S", "Z", "C"]) | st.sampled_from("\ud800\udfff\x00\n")
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT


def values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    )


FORMAT_KEY = st.sampled_from(KEYS)
# rows shaped like the formats' own: their keys, turns as lists of role/content-like objects
SHAPED = st.dictionaries(FORMAT_KEY, values(FORMAT_KEY), min_size=1, max_size=5)


def dumped(value: Any, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")


DEEP = st.integers(min_value=50, max_value=20_000).map(lambda d: b'{"text": ' + b"[" * d + b"]" * d + b"}")
DUPLICATE = st.sampled_from(
    [b'{"instruction": "q", "output": "a", "output": "b"}', b'{"text": "a", "meta": {"k": 1, "k": 2}}']
)
LINE = st.one_of(
    st.builds(dumped, SHAPED, st.booleans()),
    st.builds(dumped, values(TEXT), st.booleans()),
    st.binary(max_size=40).map(lambda raw: raw.replace(b"\n", b" ")),
    DEEP,
    DUPLICATE,
)
LINES = st.lists(LINE, min_size=1, max_size=8)


def check(result: ReadResult, units: int) -> None:
    """rows_read = accepted + quarantined; each unit is one or the other (or was blank, or a file entry)."""
    assert result.rows_read == result.records.height + result.quarantine.height
    accepted = set(result.records["line"].to_list())
    quarantined = [line for line in result.quarantine["line"].to_list() if line is not None]
    assert len(quarantined) == len(set(quarantined))
    assert not accepted & set(quarantined)
    assert all(0 <= line <= units for line in accepted | set(quarantined))
    assert all(result.quarantine["error"].str.len_chars() > 0)


def write(path: Path, data: bytes) -> Path:
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    elif path.name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


@SETTINGS
@given(
    lines=LINES,
    name=st.sampled_from(["data.jsonl", "data.jsonl.gz", "data.jsonl.zst"]),
    forced=st.none() | st.sampled_from(FORMAT_NAMES),
)
def test_any_jsonl_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[bytes], name: str, forced: str | None
) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 2)  # pieces of 3+ lines go through Arrow's fast path
    path = write(tmp_path / name, b"\n".join(lines) + b"\n")
    result = read_corpus([path], format=forced)
    check(result, len(lines))
    blank = {number for number, line in enumerate(lines, start=1) if not line.strip()}
    if len(blank) < len(lines):  # a file of blank lines is one file-level entry instead
        covered = set(result.records["line"].to_list()) | set(result.quarantine["line"].to_list())
        assert covered == set(range(1, len(lines) + 1)) - blank


@SETTINGS
@given(
    elements=st.lists(st.builds(dumped, SHAPED, st.booleans()) | DEEP | DUPLICATE, max_size=6),
    forced=st.none() | st.sampled_from(FORMAT_NAMES),
)
def test_any_json_array(tmp_path: Path, elements: list[bytes], forced: str | None) -> None:
    path = write(tmp_path / "data.json", b"[" + b",\n".join(elements) + b"]")
    result = read_corpus([path], format=forced)
    check(result, len(elements))
    if None not in result.quarantine["line"].to_list():  # the array parsed: each element is accounted for
        covered = set(result.records["line"].to_list()) | set(result.quarantine["line"].to_list())
        assert covered == set(range(len(elements)))


PARQUET_TEXT = st.none() | st.text(st.characters(categories=["L", "N", "P", "S", "Z", "Cc"]), max_size=8)


@SETTINGS
@given(
    columns=st.dictionaries(
        FORMAT_KEY, st.lists(PARQUET_TEXT, min_size=3, max_size=3), min_size=1, max_size=4
    ),
    forced=st.none() | st.sampled_from(FORMAT_NAMES),
)
def test_any_parquet_text_columns(
    tmp_path: Path, columns: dict[str, list[str | None]], forced: str | None
) -> None:
    """Parquet holds typed columns: text (or null) under any format's keys, read by detection or forced."""
    pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String())).write_parquet(tmp_path / "data.parquet")
    result = read_corpus([tmp_path / "data.parquet"], format=forced)
    check(result, 2)
    covered = set(result.records["line"].to_list()) | set(result.quarantine["line"].to_list())
    assert covered == {0, 1, 2}


@SETTINGS
@given(data=st.binary(max_size=200), name=st.sampled_from(["data.jsonl", "data.json", "data.txt"]))
def test_any_bytes(tmp_path: Path, data: bytes, name: str) -> None:
    path = write(tmp_path / name, data)
    check(read_corpus([path]), len(data))  # lines, or array elements: fewer than the bytes
