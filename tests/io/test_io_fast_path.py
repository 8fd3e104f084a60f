"""The JSONL fast path (Polars reader + expressions) gives exactly what the per-line path gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

import winnow.curation.io.jsonl as jsonl
from winnow.curation.io.read import read_corpus


def both_paths(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object, int]:
    calls = {"fast": 0}
    real_fast = jsonl._fast

    def counting(*args: object) -> bool:
        handled = real_fast(*args)  # type: ignore[arg-type]
        calls["fast"] += int(handled)
        return handled

    monkeypatch.setattr(jsonl, "_fast", counting)
    fast = read_corpus([path])
    monkeypatch.setattr(jsonl, "_fast", lambda *args: False)
    slow = read_corpus([path])
    return fast, slow, calls["fast"]


def write_lines(path: Path, rows: list[object], extra: list[bytes] = ()) -> None:  # type: ignore[assignment]
    with path.open("wb") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        for line in extra:
            handle.write(line + b"\n")


def test_fast_path_equals_per_line_path_with_bad_lines_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 8)
    rows: list[object] = [
        {"instruction": f"q{i}", "input": "" if i % 3 else f"in{i}", "output": f"a{i}"} for i in range(300)
    ]
    rows[17] = {"instruction": "q", "output": 4}  # a number among strings: Polars would make it "4"
    rows[150] = {"instruction": "q", "output": ""}  # fails validation on the fast path → per-line error
    rows[151] = {"instruction": "dup", "output": "dup"}
    rows[152] = {"instruction": "dup", "output": "dup"}
    path = tmp_path / "big.jsonl"
    write_lines(path, rows, [b"{not json"])
    fast, slow, fast_pieces = both_paths(path, monkeypatch)
    assert fast_pieces > 0
    assert_frame_equal(fast.records, slow.records)  # type: ignore[attr-defined]
    assert_frame_equal(fast.quarantine, slow.quarantine)  # type: ignore[attr-defined]
    assert fast.quarantine["line"].to_list() == [18, 151, 301]  # type: ignore[attr-defined]
    ids = fast.records.filter(fast.records["line"].is_in([152, 153]))["id"].to_list()  # type: ignore[attr-defined]
    assert ids[1] == f"{ids[0]}-1"


def test_fast_path_handles_text_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    path = tmp_path / "text.jsonl"
    write_lines(path, [{"text": f"doc {i}"} for i in range(40)])
    fast, slow, fast_pieces = both_paths(path, monkeypatch)
    assert fast_pieces == 1
    assert_frame_equal(fast.records, slow.records)  # type: ignore[attr-defined]


def test_rows_with_extra_keys_take_the_per_line_path_so_meta_is_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    path = tmp_path / "meta.jsonl"
    write_lines(path, [{"instruction": "q", "output": "a", "extra": i} for i in range(20)])
    fast, slow, fast_pieces = both_paths(path, monkeypatch)
    assert_frame_equal(fast.records, slow.records)  # type: ignore[attr-defined]
    assert fast_pieces == 0
    assert fast.records["meta"][3] == '{"extra": 3}'  # type: ignore[attr-defined]


def test_registry_columns_get_the_same_type_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    (tmp_path / "dataset_info.json").write_text(
        json.dumps({"mine": {"file_name": "mine.jsonl", "columns": {"prompt": "q", "response": "a"}}})
    )
    rows: list[object] = [{"q": f"q{i}", "a": f"a{i}"} for i in range(40)]
    rows[9] = {"q": "q", "a": 12}
    write_lines(tmp_path / "mine.jsonl", rows)
    result = read_corpus([f"{tmp_path / 'dataset_info.json'}:mine"])
    assert result.quarantine.select("line", "error").rows() == [(10, "alpaca: a: expected a string, got int")]
    assert result.records.height == 39


def test_over_long_line_inside_a_big_piece(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 500)
    rows: list[object] = [{"text": f"doc {i}"} for i in range(40)]
    rows[25] = {"text": "x" * 1000}
    write_lines(tmp_path / "long.jsonl", rows)
    result = read_corpus([tmp_path / "long.jsonl"])
    assert result.quarantine.select("line", "error").rows() == [
        (26, "line is 1,012 bytes, over the 500-byte limit")
    ]
    assert result.records.height == 39


@pytest.mark.parametrize("where", [0, 20])
def test_bom_lines_inside_big_pieces_are_quarantined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: int
) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    lines = [json.dumps({"text": f"doc {i}"}).encode() for i in range(40)]
    lines[where] = b"\xef\xbb\xbf" + lines[where]
    (tmp_path / "bom.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = read_corpus([tmp_path / "bom.jsonl"])
    assert result.quarantine["line"].to_list() == [where + 1]
    assert result.quarantine["error"][0].startswith("line starts with a UTF-8 byte-order mark")
    assert result.records.height == 39


def test_date_like_text_stays_text_on_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    write_lines(
        tmp_path / "dates.jsonl",
        [{"instruction": "when?", "input": "", "output": f"2021-07-{i + 1:02d}"} for i in range(20)],
    )
    fast, slow, fast_pieces = both_paths(tmp_path / "dates.jsonl", monkeypatch)
    assert fast_pieces == 1
    assert_frame_equal(fast.records, slow.records)  # type: ignore[attr-defined]
    assert fast.records["messages"][0][1]["content"] == "2021-07-01"  # type: ignore[attr-defined]


def test_fast_path_quarantine_snippets_keep_the_line_key_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    rows: list[object] = [{"instruction": f"q{i}", "input": "", "output": f"a{i}"} for i in range(20)]
    rows[7] = {"instruction": "q", "input": "x", "output": " "}
    write_lines(tmp_path / "order.jsonl", rows)
    fast, slow, fast_pieces = both_paths(tmp_path / "order.jsonl", monkeypatch)
    assert fast_pieces == 1
    assert_frame_equal(fast.quarantine, slow.quarantine)  # type: ignore[attr-defined]
    assert fast.quarantine["snippet"][0] == '{"instruction": "q", "input": "x", "output": " "}'  # type: ignore[attr-defined]


@pytest.mark.parametrize("block", [64, 1000, 4096])
def test_pieces_across_block_boundaries_and_lines_longer_than_a_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """The reader reuses one buffer: lines cut by a block end, and lines longer than the buffer (which grow
    it), must give exactly what one whole-file piece gives."""
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    rows: list[object] = [
        {"instruction": f"q{i}", "input": "", "output": f"a{i}" + " b" * (i % 7)} for i in range(300)
    ]
    rows[40] = {"instruction": "long", "output": "y" * 3000}
    rows[41] = {"instruction": "q", "output": 3}
    path = tmp_path / "blocks.jsonl"
    write_lines(path, rows)
    path.write_bytes(path.read_bytes() + b'{"text": "no newline at the end"}')
    whole = read_corpus([path])
    monkeypatch.setattr(jsonl, "BLOCK_BYTES", block)
    cut = read_corpus([path])
    assert_frame_equal(cut.records, whole.records)
    assert_frame_equal(cut.quarantine, whole.quarantine)
    assert cut.rows_read == whole.rows_read == 301
    assert cut.quarantine["line"].to_list() == [42]
    assert cut.records["line"].to_list()[-1] == 301


def test_dates_mixed_with_words_keep_their_text_on_the_schema_free_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first parse has no schema: a column Arrow promotes from timestamp to string must keep each
    line's own text (Arrow keeps the raw strings), equal to the per-line path."""
    monkeypatch.setattr(jsonl, "SMALL_PIECE_LINES", 4)
    outputs = ["2021-07-01"] * 10 + ["hello"] * 5 + ["2021-07-01T10:00:00"] * 5
    write_lines(tmp_path / "mixed.jsonl", [{"instruction": "when?", "output": o} for o in outputs])
    fast, slow, fast_pieces = both_paths(tmp_path / "mixed.jsonl", monkeypatch)
    assert fast_pieces == 1
    assert_frame_equal(fast.records, slow.records)  # type: ignore[attr-defined]
    contents = [m[1]["content"] for m in fast.records["messages"].to_list()]  # type: ignore[attr-defined]
    assert contents == outputs
