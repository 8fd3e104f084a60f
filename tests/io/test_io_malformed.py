"""Malformed input never crashes a read and never disappears: each kind lands in quarantine with its line,
and rows_read = accepted + quarantined."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import winnow.curation.io.jsonl as jsonl
from winnow.curation.io.read import ReadResult, read_corpus

GOOD = json.dumps({"instruction": "q", "input": "", "output": "a"}).encode()


def read_bytes(tmp_path: Path, data: bytes, name: str = "data.jsonl") -> ReadResult:
    path = tmp_path / name
    path.write_bytes(data)
    result = read_corpus([path])
    assert result.rows_read == result.records.height + result.quarantine.height
    return result


def errors(result: ReadResult) -> list[tuple[int | None, str]]:
    return [(row["line"], row["error"]) for row in result.quarantine.iter_rows(named=True)]


@pytest.mark.parametrize(
    ("bad_line", "error"),
    [
        (b'{"instruction": "q", "output": ', "invalid JSON: Expecting value at column 32"),
        # the built-in example's alpaca_zh.jsonl:18 said "Unterminated string starting at at column 58"
        (
            '{"instruction": "这一行的 JSON 没有写完", "input": "", "output": "半截'.encode(),
            "invalid JSON: Unterminated string starting at column 58",
        ),
        (b'{"instruction": "q", "output": "caf\xe9"}', "not valid UTF-8 (byte 35: b'\\xe9')"),
        (
            b"\xef\xbb\xbf" + GOOD,
            "line starts with a UTF-8 byte-order mark (BOM); re-save the file as UTF-8 without BOM",
        ),
        (
            b'{"instruction": "q"}',
            "no supported format has the keys [instruction]; nearest is alpaca, which needs output",
        ),
        (b'{"instruction": "q", "output": 3}', "alpaca: output: expected a string, got int"),
        (b'{"instruction": "q", "output": " "}', "alpaca: output: empty turn (blank text)"),
        (
            b'{"conversations": [{"from": "human", "value": "q"}, {"from": "bot", "value": "a"}]}',
            "sharegpt: conversations[1].from: unknown role 'bot' (expected one of human, gpt, function_call, observation, system)",
        ),
        (b"[1, 2]", "a JSON list that is not a list of {role, content} messages"),
        (b'"just a string"', "expected a JSON object, got str"),
    ],
)
def test_each_malformed_line_is_quarantined_with_its_line(
    tmp_path: Path, bad_line: bytes, error: str
) -> None:
    result = read_bytes(tmp_path, GOOD + b"\n" + bad_line + b"\n" + GOOD + b"\n")
    assert errors(result) == [(2, error)]
    assert result.records["line"].to_list() == [1, 3]
    assert result.rows_read == 3


def test_very_long_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 100)
    long = json.dumps({"instruction": "q", "output": "a" * 200}).encode()
    result = read_bytes(tmp_path, GOOD + b"\n" + long + b"\n")
    assert errors(result) == [(2, "line is 234 bytes, over the 100-byte limit")]


def test_blank_lines_are_not_rows_and_keep_line_numbers(tmp_path: Path) -> None:
    result = read_bytes(tmp_path, GOOD + b"\n\n   \n" + GOOD + b"\n")
    assert result.records["line"].to_list() == [1, 4]
    assert result.rows_read == 2


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("empty.jsonl", b"", "empty file"),
        ("blank.jsonl", b"\n\n", "empty file (only blank lines)"),
        ("empty.json", b"", "empty file"),
        (
            "bom.json",
            b"\xef\xbb\xbf[]",
            "file starts with a UTF-8 byte-order mark (BOM); re-save it as UTF-8 without BOM",
        ),
        (
            "broken.json",
            b'[{"instruction": "q", "output": "a"},\n {"instruction": }]',
            "invalid JSON (line 2 column 18): Expecting value; no element of the array can be trusted",
        ),
        ("latin1.json", b'[{"instruction": "\xe9", "output": "a"}]', "not valid UTF-8 at byte 18"),
        ("scalar.json", b"42", "expected a JSON array of rows, got int"),
        ("empty.txt", b"  \n", "empty file"),
    ],
)
def test_file_level_problems_are_one_quarantine_entry(
    tmp_path: Path, name: str, data: bytes, error: str
) -> None:
    result = read_bytes(tmp_path, data, name)
    assert errors(result) == [(None, error)]
    assert result.records.height == 0
    assert result.rows_read == 1


def test_json_array_elements_are_checked_one_by_one(tmp_path: Path) -> None:
    rows = [
        {"instruction": "q", "output": "a"},
        {"instruction": "q"},
        "x",
        {"instruction": "q2", "output": "a2"},
    ]
    result = read_bytes(tmp_path, json.dumps(rows).encode(), "rows.json")
    assert [e[0] for e in errors(result)] == [1, 2]
    assert result.records["line"].to_list() == [0, 3]


def test_quarantine_snippet_is_bounded_and_names_the_source(tmp_path: Path) -> None:
    result = read_bytes(tmp_path, b'{"instruction": "' + b"x" * 1000 + b'"}\n')
    (row,) = result.quarantine.iter_rows(named=True)
    assert row["source"] == str(tmp_path / "data.jsonl")
    assert len(row["snippet"]) == 200


def test_mixed_file_reports_each_format_with_its_lines(tmp_path: Path) -> None:
    lines = [
        {"instruction": "q", "output": "a"},
        {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
        {"instruction": "q", "output": "a"},
        {"text": "doc"},
    ]
    result = read_bytes(tmp_path, "\n".join(json.dumps(r) for r in lines).encode())
    assert result.formats == {str(tmp_path / "data.jsonl"): {"alpaca": 2, "sharegpt": 1, "pretrain": 1}}
    assert result.mixed_sources() == [str(tmp_path / "data.jsonl")]
    assert result.records.select("line", "format").rows() == [
        (1, "alpaca"),
        (2, "sharegpt"),
        (3, "alpaca"),
        (4, "pretrain"),
    ]


def test_forcing_a_format_quarantines_rows_that_do_not_fit(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"instruction": "q", "output": "a"}) + "\n" + json.dumps({"text": "doc"}) + "\n"
    )
    result = read_corpus([path], format="alpaca")
    assert errors(result) == [(2, "alpaca: instruction: missing required field (alpaca)")]
