"""Values that JSON parses but winnow cannot keep (issue 23 items 2, 5, 9): a lone surrogate, JSON nested past
MAX_DEPTH, a duplicated key. Each is its own line's quarantine entry naming the field; every other line is
kept, on the per-line path, in JSON arrays and inside pieces that Arrow's fast path would take."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import winnow.curation.io.jsonl as jsonl
from winnow.curation.cli.main import main
from winnow.curation.io.read import ReadResult, read_corpus
from winnow.curation.io.values import MAX_DEPTH

GOOD = b'{"instruction": "q", "input": "", "output": "a"}'
SURROGATE = "output: lone surrogate (half of a UTF-16 pair, not a character; UTF-8 cannot hold it)"
DUPLICATE = (
    "output: duplicate key in one object (JSON keeps only the last value; which one is meant is ambiguous)"
)
DEEP = "JSON nested more than 100 levels deep"


def read(tmp_path: Path, data: bytes, name: str = "data.jsonl") -> ReadResult:
    path = tmp_path / name
    path.write_bytes(data)
    result = read_corpus([path])
    assert result.rows_read == result.records.height + result.quarantine.height
    return result


def errors(result: ReadResult) -> list[tuple[int | None, str]]:
    return result.quarantine.select("line", "error").rows()


def nested(depth: int) -> bytes:
    """An alpaca row whose extra key `x` makes the row `depth` levels deep (the row object is level 1)."""
    return b'{"instruction": "q", "output": "a", "x": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize(
    ("bad_line", "error"),
    [
        (b'{"instruction": "q", "output": "\\ud800"}', SURROGATE),
        (b'{"instruction": "q", "output": "x\\uDC00y"}', SURROGATE),
        (b'{"instruction": "q", "output": "\\ude00\\ud83d"}', SURROGATE),  # a pair in the wrong order
        (
            b'{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "\\udbff"}]}',
            "conversations[1].value: lone surrogate (half of a UTF-16 pair, not a character; UTF-8 cannot hold it)",
        ),
        (
            b'{"instruction": "q", "output": "a", "k\\ud800": 1}',
            "key k\\ud800: lone surrogate (half of a UTF-16 pair, not a character; UTF-8 cannot hold it)",
        ),
        (b'{"instruction": "q", "output": "a", "output": "b"}', DUPLICATE),
        (
            b'{"conversations": [{"from": "human", "value": "q", "from": "gpt"}]}',
            "from: duplicate key in one object (JSON keeps only the last value; which one is meant is ambiguous)",
        ),
        (nested(MAX_DEPTH + 1), DEEP),
        (b'{"text": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", DEEP),
        (b"[" * 100_000, DEEP),  # not even closed: too deep before it is found broken
    ],
)
def test_bad_values_are_quarantined_alone(tmp_path: Path, bad_line: bytes, error: str) -> None:
    result = read(tmp_path, GOOD + b"\n" + bad_line + b"\n" + GOOD + b"\n")
    assert errors(result) == [(2, error)]
    assert result.records["line"].to_list() == [1, 3]
    assert result.rows_read == 3


def test_proper_pairs_and_max_depth_are_kept(tmp_path: Path) -> None:
    emoji = b'{"instruction": "q", "output": "\\ud83d\\ude00 ok"}'
    result = read(tmp_path, emoji + b"\n" + nested(MAX_DEPTH) + b"\n" + b'{"text": "\\\\ud800"}\n')
    assert errors(result) == []
    assert result.records["messages"][0][1]["content"] == "😀 ok"
    assert result.records["meta"][1] == json.dumps({"x": json.loads(b"[" * 99 + b"]" * 99)})
    assert result.records["text"][2] == "\\ud800"  # an escaped backslash, not a surrogate


def test_json_array_elements_are_refused_one_by_one(tmp_path: Path) -> None:
    elements = [
        GOOD,
        b'{"instruction": "q", "output": "\\ud800"}',
        nested(5_000),
        GOOD,
        GOOD[:-1] + b', "input": ""}',
    ]
    result = read(tmp_path, b"[" + b",\n ".join(elements) + b"]", "rows.json")
    assert errors(result) == [
        (1, SURROGATE),
        (2, DEEP),
        (
            4,
            "input: duplicate key in one object (JSON keeps only the last value; which one is meant is ambiguous)",
        ),
    ]
    assert result.records["line"].to_list() == [0, 3]


def test_a_lone_top_level_object_with_a_bad_value(tmp_path: Path) -> None:
    result = read(tmp_path, b'{"instruction": "q", "output": "\\ud800"}', "one.json")
    assert errors(result) == [(0, SURROGATE)]


@pytest.mark.parametrize(
    ("bad_line", "error"),
    [
        (b'{"instruction": "q", "input": "", "output": "\\ud800"}', SURROGATE),
        (b'{"instruction": "q", "input": "", "output": "a", "output": "b"}', DUPLICATE),
        (b'{"instruction": "q", "input": "", "output": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", DEEP),
        (b'{"instruction": "q", "input": "", "output": ' + b"[" * 1_000 + b"]" * 1_000 + b"}", DEEP),
        (b"null", "expected a JSON object, got NoneType"),  # Arrow segfaults on a first line `null`
        (b'{"instruction": "q", "input": "", "output": "caf\xe9"}', "not valid UTF-8 (byte 48: b'\\xe9')"),
    ],
)
@pytest.mark.parametrize("where", [0, 20])
def test_bad_lines_inside_pieces_for_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_line: bytes, error: str, where: int
) -> None:
    """Arrow refuses surrogates and duplicates, but it crashes the process on very deep lines and on `null`
    as the first line, and it passes bytes that are not UTF-8 into Polars: those pieces never reach it."""
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    lines = [GOOD] * 40
    lines[where] = bad_line
    result = read(tmp_path, b"\n".join(lines) + b"\n")
    assert errors(result) == [(where + 1, error)]
    assert result.records.height == 39


def test_inspect_and_convert_quarantine_the_line_instead_of_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # table cells on one line
    path = tmp_path / "surrogate.jsonl"
    path.write_bytes(GOOD + b"\n" + b'{"instruction": "q", "output": "\\ud800"}' + b"\n" + GOOD + b"\n")
    assert main(["inspect", str(path), "--rows", "0"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "rows read 3 = accepted 2 + quarantined 1" in out
    assert f"│ 2 │ {SURROGATE} │" in out
    quarantine = tmp_path / "bad.jsonl"
    code = main(
        [
            "convert",
            str(path),
            "--to",
            "alpaca",
            "-o",
            str(tmp_path / "out.jsonl"),
            "--quarantine",
            str(quarantine),
        ]
    )
    assert code == 0
    assert len((tmp_path / "out.jsonl").read_text("utf-8").splitlines()) == 2
    assert [json.loads(line)["line"] for line in quarantine.read_text("utf-8").splitlines()] == [2]


# brackets counted in one pass over the piece, or line by line
@pytest.mark.parametrize("bytes_per_long_line", [1_000_000, 1])
def test_a_deep_line_among_long_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bytes_per_long_line: int
) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    monkeypatch.setattr(jsonl, "LONG_LINES_FOR_ONE_PASS", bytes_per_long_line)
    fast: list[bool] = []
    real_fast = jsonl._fast
    monkeypatch.setattr(jsonl, "_fast", lambda *args: fast.append(real_fast(*args)) or fast[-1])
    code = (
        "{[" * 400 + "x" * 500
    )  # long lines, brackets inside strings (fewer than ARROW_MAX_DEPTH): not deep
    lines = [
        json.dumps({"instruction": "q", "input": "", "output": f"{code} {i}"}).encode() for i in range(40)
    ]
    lines[30] = b'{"instruction": "q", "input": "", "output": ' + b"[" * 3_000 + b"]" * 3_000 + b"}"
    result = read(tmp_path, b"\n".join(lines) + b"\n")
    assert errors(result) == [(31, DEEP)]
    assert result.records.height == 39
    # halves tried on the fast path: 1-40 no, 1-20 yes, 21-40 no, 21-30 yes, 31-40 no, 31-35 no, 36-40 yes
    assert fast == [False, True, False, True, False, False, True]
