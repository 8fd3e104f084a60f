"""Compressed inputs (.jsonl.gz, .json.gz, .jsonl.zst, issue 23 item 6) and UTF-16/UTF-32 files with a BOM
(item 9) are read as streams with the same rows and line numbers as the plain UTF-8 file; a stream that
breaks keeps the lines before the break and says where it broke."""

from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

import winnow.curation.io.jsonl as jsonl
import winnow.curation.io.streams as streams
from winnow.curation.io.read import ReadResult, read_corpus

zstandard = pytest.importorskip("zstandard")

ROWS = [{"instruction": f"问题 {i} 😀", "input": "", "output": f"answer {i}"} for i in range(30)]
TEXT = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ROWS).encode()
BROKEN = b'{"instruction": "q", "output": }'


def read(path: Path) -> ReadResult:
    result = read_corpus([path])
    assert result.rows_read == result.records.height + result.quarantine.height
    return result


def errors(result: ReadResult) -> list[tuple[int | None, str]]:
    return result.quarantine.select("line", "error").rows()


def compress(data: bytes, name: str) -> bytes:
    if name.lower().endswith(".gz"):
        return gzip.compress(data)
    if name.lower().endswith(".zst"):
        return zstandard.ZstdCompressor().compress(data)
    return data


def same_rows(result: ReadResult, plain: ReadResult) -> None:
    """Equal rows, lines and quarantine; the source (and so the id, which hashes the file name) differs."""
    assert_frame_equal(result.records.drop("source", "id"), plain.records.drop("source", "id"))
    assert_frame_equal(result.quarantine.drop("source"), plain.quarantine.drop("source"))


@pytest.mark.parametrize("name", ["rows.jsonl.gz", "rows.jsonl.zst", "rows.ndjson.gz", "rows.JSONL.GZ"])
def test_compressed_jsonl_reads_like_the_plain_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    lines = TEXT.splitlines(keepends=True)
    data = b"".join(lines[:7]) + BROKEN + b"\n\n" + b"".join(lines[7:])
    (tmp_path / "plain.jsonl").write_bytes(data)
    (tmp_path / name).write_bytes(compress(data, name))
    plain = read(tmp_path / "plain.jsonl")
    # tiny blocks and chunks: lines cut by chunk and block ends keep their numbers
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    monkeypatch.setattr(jsonl, "BLOCK_BYTES", 500)
    monkeypatch.setattr(streams, "CHUNK_BYTES", 97)
    result = read(tmp_path / name)
    same_rows(result, plain)
    assert errors(result) == [(8, "invalid JSON: Expecting value at column 32")]
    assert result.records["line"].to_list() == [*range(1, 8), *range(10, 33)]
    assert result.formats == {str(tmp_path / name): {"alpaca": 30}}


@pytest.mark.parametrize("name", ["rows.json.gz", "rows.json.zst"])
def test_compressed_json_array(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(compress(json.dumps(ROWS[:3]).encode(), name))
    result = read(tmp_path / name)
    assert result.records["line"].to_list() == [0, 1, 2]
    assert result.records["messages"][2][0]["content"] == "问题 2 😀"


def test_a_json_lines_file_named_json_gz(tmp_path: Path) -> None:
    (tmp_path / "lines.json.gz").write_bytes(gzip.compress(TEXT[: TEXT.index(b"\n", 200) + 1]))
    assert read(tmp_path / "lines.json.gz").records["line"].to_list() == [1, 2, 3]


def test_several_zstd_frames_are_one_stream(tmp_path: Path) -> None:
    compressor = zstandard.ZstdCompressor()
    half = TEXT.index(b"\n", len(TEXT) // 2) + 1
    (tmp_path / "frames.jsonl.zst").write_bytes(
        compressor.compress(TEXT[:half]) + compressor.compress(TEXT[half:])
    )
    assert read(tmp_path / "frames.jsonl.zst").records.height == 30


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("cut.jsonl.gz", "gzip data is truncated (the last member does not end)"),
        ("cut.jsonl.zst", "zstd data is truncated (the last frame does not end)"),
    ],
)
def test_a_truncated_archive_keeps_the_lines_before_the_break(tmp_path: Path, name: str, error: str) -> None:
    """What was decoded before the break is kept, a cut last line with the rest that is lost, and said so."""
    rows = [{"text": f"document {i} " + "word " * (i % 50)} for i in range(20_000)]
    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
    (tmp_path / name).write_bytes(compress(data, name)[:-2_000])
    result = read(tmp_path / name)
    kept = result.records.height
    assert 0 < kept < 20_000
    assert errors(result) == [(None, f"{error}; lines 1-{kept:,} were read, the rest of the file is lost")]
    assert result.records["line"].to_list() == list(range(1, kept + 1))
    assert result.records["text"][-1] == rows[kept - 1]["text"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        (
            "junk.jsonl.gz",
            "gzip data is corrupt (Error -3 while decompressing data: incorrect header check); "
            "no line could be read, the rest of the file is lost",
        ),
        (
            "junk.jsonl.zst",
            "zstd data is corrupt (zstd decompressor error: Unknown frame descriptor); "
            "no line could be read, the rest of the file is lost",
        ),
        (
            "junk.json.gz",
            "gzip data is corrupt (Error -3 while decompressing data: incorrect header check); "
            "no element of the array can be trusted",
        ),
    ],
)
def test_not_an_archive(tmp_path: Path, name: str, error: str) -> None:
    (tmp_path / name).write_bytes(b"not compressed at all")
    assert errors(read(tmp_path / name)) == [(None, error)]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("name", ["rows.jsonl", "rows.json", "rows.jsonl.gz"])
def test_utf16_and_utf32_files_with_a_bom_are_read(tmp_path: Path, encoding: str, name: str) -> None:
    """Decision: the BOM names the encoding without guessing, so the file is transcoded and every row kept
    (it used to be one line of bad UTF-8 and N lines of bad JSON, rows_read = N + 1)."""
    content = json.dumps(ROWS[:5], ensure_ascii=False) if name == "rows.json" else TEXT.decode()
    (tmp_path / name).write_bytes(compress(("\ufeff" + content).encode(encoding), name))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / name).write_bytes(compress(content.encode(), name))
    result = read(tmp_path / name)
    same_rows(result, read(tmp_path / "plain" / name))
    assert errors(result) == []
    assert result.rows_read == (5 if name == "rows.json" else 30)


def test_utf16_text_file(tmp_path: Path) -> None:
    (tmp_path / "docs.txt").write_bytes("first 文档\r\n\r\nsecond\r\n".encode("utf-16"))
    assert read(tmp_path / "docs.txt").records.select("line", "text").rows() == [
        (1, "first 文档"),
        (3, "second"),
    ]


def test_a_lone_surrogate_in_a_utf16_file_is_its_line_alone(tmp_path: Path) -> None:
    lines = TEXT.decode().splitlines(keepends=True)
    data = codecs.BOM_UTF16_LE + "".join(lines[:2]).encode("utf-16-le")
    data += '{"text": "a'.encode("utf-16-le") + b"\x00\xd8" + '"}\n'.encode("utf-16-le")
    data += "".join(lines[2:5]).encode("utf-16-le")
    (tmp_path / "half.jsonl").write_bytes(data)
    result = read(tmp_path / "half.jsonl")
    assert errors(result) == [
        (3, "lone surrogate U+D800 at byte 11 (half of a UTF-16 pair, not a character)")
    ]
    assert result.records["line"].to_list() == [1, 2, 4, 5, 6]


def test_a_utf16_file_cut_inside_a_character(tmp_path: Path) -> None:
    (tmp_path / "odd.jsonl").write_bytes(("\ufeff" + TEXT.decode()).encode("utf-16-le") + b"\x7b")
    result = read(tmp_path / "odd.jsonl")
    assert errors(result) == [
        (
            None,
            "the file ends inside a UTF-16-LE character (truncated data); lines 1-30 were read, the rest of the file is lost",
        )
    ]
    assert result.records.height == 30


def test_utf16_without_a_bom_is_not_guessed_but_hinted(tmp_path: Path) -> None:
    (tmp_path / "nobom.jsonl").write_bytes('{"text": "a"}\n'.encode("utf-16-le"))
    (line, error), *_ = errors(read(tmp_path / "nobom.jsonl"))
    assert (line, error) == (
        1,
        "invalid JSON: Expecting property name enclosed in double quotes at column 2 "
        "(NUL bytes: UTF-16 text without its byte-order mark?)",
    )
