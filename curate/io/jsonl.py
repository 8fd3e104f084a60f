"""JSONL reading: Polars' native reader on big chunks, per-line parsing only around bad lines.

The file is read in blocks of whole lines. A block is handed to `pl.read_ndjson`; when that works, every
row has the keys of one flat format (Alpaca, Dolly, text, ...) and every value is a string, the block is
converted with expressions in one go. Anything else (a parse error, a blank line, a BOM, a very long line,
a non-string value, nested formats, rows failing validation) makes the block split in half and retry, down
to small pieces that are parsed line by line with `json.loads`, which names the exact line and field. So one
broken line costs a few small re-reads, not a slow pass over a 1M-row file.

Polars silently turns a number into a string when a column mixes both; a byte-level scan for a mapped key
followed by a non-string JSON value (`"output": 5`) sends such blocks to the strict per-line path. The key
pattern cannot occur inside a JSON string, where every quote is escaped.
"""

from __future__ import annotations

import functools
import io
import json
import re
from pathlib import Path

import polars as pl

from curate.formats.base import Format
from curate.formats.flat import FlatFormat
from curate.formats.registry import detect_keys
from curate.io.sink import SourceSink

BLOCK_BYTES = 32 * 1024 * 1024
MAX_LINE_BYTES = 8 * 1024 * 1024  # longer lines are quarantined: almost always a broken export
SMALL_PIECE_LINES = 256  # below this, parse line by line
BOM = b"\xef\xbb\xbf"


@functools.lru_cache(maxsize=64)
def _non_string_value(keys: tuple[str, ...]) -> re.Pattern[bytes]:
    """`"key": <number | true | false | [ | {>` for any of the format's string keys."""
    alternatives = b"|".join(re.escape(json.dumps(k).encode()[1:-1]) for k in keys)
    return re.compile(rb'"(?:' + alternatives + rb')"\s*:\s*[-0-9tf\[{]')


def read_jsonl(path: Path, sink: SourceSink) -> None:
    with path.open("rb") as handle:
        first_line = 1
        rest = b""
        while True:
            block = handle.read(BLOCK_BYTES)
            if not block:
                break
            data = rest + block
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                continue
            rest = data[cut + 1 :]
            lines = data[: cut + 1].split(b"\n")[:-1]
            _piece(lines, first_line, sink, data[: cut + 1])
            first_line += len(lines)
        if rest:
            _piece([rest], first_line, sink, None)


def _piece(lines: list[bytes], first_line: int, sink: SourceSink, joined: bytes | None) -> None:
    if len(lines) <= SMALL_PIECE_LINES:
        for offset, raw in enumerate(lines):
            read_line(raw, first_line + offset, sink)
        return
    if _fast(lines, first_line, sink, joined):
        return
    middle = len(lines) // 2
    _piece(lines[:middle], first_line, sink, None)
    _piece(lines[middle:], first_line + middle, sink, None)


def read_line(raw: bytes, line: int, sink: SourceSink) -> None:
    """The strict per-line path: every problem becomes a quarantine entry naming the line."""
    if not raw.strip():
        return  # a blank line holds no row
    if raw.startswith(BOM):
        sink.bad(
            line,
            "line starts with a UTF-8 byte-order mark (BOM); re-save the file as UTF-8 without BOM",
            raw[3:],
        )
        return
    if len(raw) > MAX_LINE_BYTES:
        sink.bad(line, f"line is {len(raw):,} bytes, over the {MAX_LINE_BYTES:,}-byte limit", raw)
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        sink.bad(line, f"not valid UTF-8 (byte {error.start}: {raw[error.start : error.start + 1]!r})", raw)
        return
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        sink.bad(line, f"invalid JSON: {error.msg} at column {error.colno}", text)
        return
    sink.row(line, value)


def _fast(lines: list[bytes], first_line: int, sink: SourceSink, joined: bytes | None) -> bool:
    """Try the vectorised path on a piece; False (nothing recorded) when it does not apply."""
    data = joined if joined is not None else b"\n".join(lines)
    if BOM in data or max(map(len, lines)) > MAX_LINE_BYTES:
        return False
    try:
        frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
    except Exception:  # any parse problem: the per-line path reports it precisely
        return False
    if frame.height != len(lines):  # blank lines were skipped: line numbers would be wrong
        return False
    fmt = sink.forced or _single_format(frame)
    if not isinstance(fmt, FlatFormat) or not fmt.frame_fast_ok(frame):
        return False
    if _non_string_value(tuple(sorted(fmt.spec.keys()))).search(data):
        return False
    records, bad = fmt.frame_records(frame)
    line_numbers = pl.int_range(first_line, first_line + frame.height, dtype=pl.Int64(), eager=True)
    records = records.with_columns(line=line_numbers)
    if bad.any():
        for index in bad.arg_true().to_list():
            read_line(lines[index], first_line + index, sink)
        records = records.filter(~bad)
    sink.frame(records, fmt.name)
    return True


def _single_format(frame: pl.DataFrame) -> Format | None:
    """The one format all rows' key sets detect as, or None when rows differ or match nothing."""
    if frame.width == 0:
        return None
    present = frame.select(pl.struct([pl.col(c).is_not_null() for c in frame.columns]).unique())
    found: Format | None = None
    for mask in present.to_series().to_list():
        keys = frozenset(name for name, is_set in mask.items() if is_set)
        fmt = detect_keys(keys)
        if fmt is None or (found is not None and fmt is not found):
            return None
        found = fmt
    return found
