"""JSONL reading: a native columnar reader on big pieces, per-line parsing only around bad lines.

The file is read in blocks of whole lines. A piece is parsed with Arrow's JSON reader (C++, multithreaded,
strict: a column that changes type, e.g. `"output": 5` among strings, or a duplicated key is an error, not a
silent cast as in `pl.read_ndjson`). When that works and every row has the keys of one flat format (Alpaca,
Dolly, text, ...) with string values, the piece is converted with Polars expressions in one go. Anything
else (a parse error, a blank line, a BOM, a very long line, nested formats) splits the piece in half and
retries, down to small pieces parsed line by line (winnow.curation.io.values), which names the exact line and field;
rows that parse but fail validation are re-read one by one. So one broken line costs a few re-reads of
small pieces, not a slow pass over a 1M-row file. Lines are only split into Python objects when needed.

Compressed files (.gz, .zst) and UTF-16/UTF-32 files are read through winnow.curation.io.streams and cut into the same
whole-line pieces; a plain UTF-8 file is mapped into memory. What Arrow would accept but must not is kept off
the fast path: text that is not valid UTF-8 (Arrow does not check it) and lines nested deep enough to overflow
its parser's stack. The per-line path quarantines duplicated keys, lone surrogates and deep nesting
(winnow.curation.io.values).
"""

from __future__ import annotations

import functools
import json
import mmap
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.json as pa_json

from winnow.curation.formats.base import Format
from winnow.curation.formats.flat import FlatFormat
from winnow.curation.formats.registry import all_formats, detect_keys
from winnow.curation.io.ids import base_name
from winnow.curation.io.sink import SourceSink
from winnow.curation.io.streams import StreamError, is_plain, utf8_chunks
from winnow.curation.io.values import BadValue, load_text

BLOCK_BYTES = 32 * 1024 * 1024
MAX_LINE_BYTES = 8 * 1024 * 1024  # longer lines are quarantined: almost always a broken export
SMALL_PIECE_LINES = 256  # below this, parse line by line
# Arrow's JSON parser recurses once per nesting level and overflows an 8 MiB thread stack (a segfault, not an
# error) somewhere past 10,000 levels; a piece holding a line with more brackets than this is not given to it
# (see _arrow_unsafe)
ARROW_MAX_DEPTH = 1000
# lines long enough to be that deep have their brackets counted one by one (a few µs each), unless there are
# more than one per this many bytes of the piece: then in one pass over the piece (~1 ns a byte)
LONG_LINES_FOR_ONE_PASS = 8192
BOM = b"\xef\xbb\xbf"
_POOL = pa.system_memory_pool()


def read_jsonl(path: Path, sink: SourceSink, compression: str | None = None) -> None:
    """Pieces are counted and parsed one ahead in a worker thread (numpy and Arrow release the GIL), so
    that work overlaps converting this piece and hashing the previous one. A compressed or transcoded file
    that breaks keeps the lines before the break; the rest is one quarantine entry."""
    pending: tuple[memoryview | bytes, Future[tuple[_Lines, pa.Table | None]]] | None = None
    first_line = 1
    broken: StreamError | None = None
    try:
        for data in _pieces(path) if is_plain(path, compression) else _stream_pieces(path, compression):
            scanned = _parser().submit(_scan, data, sink.forced)
            if pending is not None:
                first_line = _finish(*pending, first_line, sink)
            pending = (data, scanned)
    except StreamError as error:
        broken = error
    if pending is not None:
        first_line = _finish(*pending, first_line, sink)
    if broken is not None:
        sink.bad(None, broken.lost_after(first_line - 1), b"")


def read_jsonl_piece(data: bytes, first_line: int, sink: SourceSink) -> None:
    """Whole lines of a plain UTF-8 JSONL file (each ending in a newline; the first is line `first_line`)
    into `sink`, as read_jsonl reads each of its pieces: how a cluster engine reads one byte range of a big
    file in a task of its own (winnow.curation.ray_engine.read)."""
    lines, table = _scan(data, sink.forced)
    _piece(data, lines, first_line, table, parsed_already=len(lines) > SMALL_PIECE_LINES, sink=sink)


@dataclass(frozen=True)
class _Lines:
    """A piece's lines: where each ends (its newline's offset) and whether Arrow must not see it
    (_arrow_unsafe). Found once per piece; the halves of a piece take slices."""

    ends: np.ndarray
    unsafe: np.ndarray

    @classmethod
    def of(cls, data: bytes | memoryview) -> _Lines:
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        return cls(ends, _arrow_unsafe(data, ends))

    def __len__(self) -> int:
        return len(self.ends)

    def halves(self) -> tuple[int, _Lines, _Lines]:
        """(the byte offset where the second half starts, the first half's lines, the second's)."""
        middle = len(self.ends) // 2
        cut = int(self.ends[middle - 1]) + 1
        first = _Lines(self.ends[:middle], self.unsafe[:middle])
        return cut, first, _Lines(self.ends[middle:] - cut, self.unsafe[middle:])


def _finish(
    data: memoryview | bytes,
    scanned: Future[tuple[_Lines, pa.Table | None]],
    first_line: int,
    sink: SourceSink,
) -> int:
    """Record one scanned piece whose first line is `first_line`; the next piece's first line."""
    lines, table = scanned.result()
    _piece(data, lines, first_line, table, parsed_already=len(lines) > SMALL_PIECE_LINES, sink=sink)
    return first_line + len(lines)


def _scan(data: memoryview | bytes, forced: Format | None) -> tuple[_Lines, pa.Table | None]:
    """(the piece's lines, Arrow's parse of it or None): its work off the main thread."""
    lines = _Lines.of(data)
    return lines, (_parse(data, forced, lines) if len(lines) > SMALL_PIECE_LINES else None)


def _stream_pieces(path: Path, compression: str | None) -> Iterator[bytes]:
    """Whole-line pieces of about BLOCK_BYTES from a decompressed or transcoded stream (winnow.curation.io.streams),
    each ending in a newline; where the stream breaks, the whole lines before it, then StreamError."""
    buffer = bytearray()
    try:
        for chunk in utf8_chunks(path, compression):
            buffer += chunk
            if len(buffer) >= BLOCK_BYTES:
                cut = buffer.rfind(b"\n") + 1
                if cut:
                    yield bytes(buffer[:cut])
                    del buffer[:cut]
    except StreamError:
        cut = buffer.rfind(b"\n") + 1  # the whole lines before the break are read; a cut last line is not
        if cut:
            yield bytes(buffer[:cut])
        raise
    if buffer:
        yield bytes(buffer) if buffer.endswith(b"\n") else bytes(buffer) + b"\n"


def _pieces(path: Path) -> Iterator[memoryview | bytes]:
    """Whole-line pieces of about BLOCK_BYTES, each ending in a newline: views of the file mapped into memory,
    so nothing is copied (the OS pages the file in as the parse worker reads it). A line longer than a block
    makes a longer piece (it is then quarantined as over-long); a last line without its newline is the
    one piece copied, to add it. The mapping lives as long as the pieces do."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return  # nothing to map (mmap refuses empty files)
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    view = memoryview(mapped)
    start, size = 0, len(mapped)
    starts = [0]
    while start < size:
        _release_done(mapped, starts)
        end = start + BLOCK_BYTES
        if end >= size:
            last = view[start:size]
            yield last if mapped[size - 1] == 10 else bytes(last) + b"\n"
            return
        cut = mapped.rfind(b"\n", start, end) + 1
        if cut == 0:  # no newline in the whole block: the piece runs to the end of this line
            newline = mapped.find(b"\n", end)
            if newline == -1:
                yield bytes(view[start:size]) + b"\n"
                return
            cut = newline + 1
        yield view[start:cut]
        start = cut
        starts.append(start)


def _release_done(mapped: mmap.mmap, starts: list[int]) -> None:
    """Unmap the pages of pieces already recorded, so the process's resident memory holds two pieces of the
    file, not all of it (the pages stay in the OS cache; a read-only file mapping re-reads them if touched).
    When the next piece is asked for, read_jsonl has finished every piece but the last one handed out."""
    if len(starts) < 2 or not hasattr(mmap, "MADV_DONTNEED"):
        return
    done = starts[-2] - starts[-2] % mmap.PAGESIZE
    if done > 0:
        mapped.madvise(mmap.MADV_DONTNEED, 0, done)


def _piece(
    data: bytes | memoryview,
    lines: _Lines,
    first_line: int,
    parsed: pa.Table | None = None,
    *,
    parsed_already: bool = False,
    sink: SourceSink,
) -> None:
    """`data`: whole `lines`, each ending in a newline, the first being line `first_line`; with
    `parsed_already`, `parsed` is Arrow's parse of it (None: it failed)."""
    if len(lines) <= SMALL_PIECE_LINES:
        for offset, raw in enumerate(bytes(data).split(b"\n")[:-1]):
            read_line(raw, first_line + offset, sink)
        return
    if _fast(data, lines, first_line, sink, parsed, parsed_already):
        return
    cut, first, second = lines.halves()
    _piece(data[:cut], first, first_line, sink=sink)
    _piece(data[cut:], second, first_line + len(first), sink=sink)


@functools.cache
def _parser() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="winnow-parse")


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
        sink.bad(line, _not_utf8(raw, error.start), raw)
        return
    try:
        value = load_text(text)
    except json.JSONDecodeError as error:
        hint = " (NUL bytes: UTF-16 text without its byte-order mark?)" if "\x00" in text else ""
        # json's message for an open string already ends in "at" ("Unterminated string starting at"):
        # the column follows it directly, not "at at column"
        place = f"column {error.colno}" if error.msg.endswith(" at") else f"at column {error.colno}"
        sink.bad(line, f"invalid JSON: {error.msg} {place}{hint}", text)
        return
    except BadValue as problem:
        sink.bad(line, problem.message, text)
        return
    sink.row(line, value)


def _not_utf8(raw: bytes, start: int) -> str:
    """Why raw[start:] does not decode: a lone surrogate written out as UTF-8 bytes (ED A0-BF xx) has its
    own message; it is what a UTF-16 file with half a pair transcodes to (winnow.curation.io.streams)."""
    if raw[start] == 0xED and len(raw) > start + 2 and 0xA0 <= raw[start + 1] <= 0xBF:
        code = ((raw[start + 1] & 0x3F) << 6) | (raw[start + 2] & 0x3F) | 0xD000
        return f"lone surrogate U+{code:04X} at byte {start} (half of a UTF-16 pair, not a character)"
    return f"not valid UTF-8 (byte {start}: {raw[start : start + 1]!r})"


def _fast(
    data: bytes | memoryview,
    lines: _Lines,
    first_line: int,
    sink: SourceSink,
    parsed: pa.Table | None = None,
    parsed_already: bool = False,
) -> bool:
    """Try the vectorised path on a piece; False (nothing recorded) when it does not apply."""
    if bytes(data[:3]) == BOM:  # Arrow skips a BOM at the start of its input; elsewhere it is a parse error
        return False
    table = parsed if parsed_already else _parse(data, sink.forced, lines)
    if table is None or not _all_text(table):  # nested columns never take the fast path (and a deeply
        return False  # nested type overflows Polars' stack in from_arrow)
    if table.num_rows != len(lines):  # blank lines were skipped: line numbers would be wrong
        return False
    frame = pl.from_arrow(table)
    if not isinstance(frame, pl.DataFrame):
        return False
    # declared keys that no row has come back as all-null columns: absent, like null values
    frame = frame.select([name for name in frame.columns if frame[name].null_count() < frame.height])
    fmt = sink.forced or _single_format(frame)
    if not isinstance(fmt, FlatFormat) or not fmt.frame_fast_ok(frame):
        return False
    records, bad = fmt.frame_records(frame)
    keys = fmt.frame_keys(frame, base_name(sink.source))
    line_numbers = pl.int_range(first_line, first_line + frame.height, dtype=pl.Int64(), eager=True)
    records = records.with_columns(line=line_numbers)
    if bad.any():
        # rows that parsed but fail validation: convert them one by one for the exact error (their parsed
        # values are the line's values; null means absent, as on the per-line path)
        for index in bad.arg_true().to_list():
            row = {key: value for key, value in frame.row(index, named=True).items() if value is not None}
            sink.row(first_line + index, row)
        records, keys = records.filter(~bad), keys.filter(~bad)
    sink.frame(records, fmt.name, keys)
    return True


def _parse(data: bytes | memoryview, forced: Format | None, lines: _Lines) -> pa.Table | None:
    """Arrow's JSON reader on a piece (None where it fails: the per-line path names the problem).

    block_size bounds the longest line Arrow accepts, so over-long lines fail here and get quarantined.
    Text fields must stay text (a column of ISO dates would be inferred as timestamps), which an explicit
    schema ensures; but that schema makes parsing ~25% slower, so the piece is first parsed without one and
    re-parsed with it only when a declared text key came back as something else (or parsing failed)."""
    if lines.unsafe.any():
        return None
    options = pa_json.ReadOptions(block_size=MAX_LINE_BYTES)
    schema = _string_schema(forced)
    table: pa.Table | None = None
    try:
        table = pa_json.read_json(
            pa.BufferReader(pa.py_buffer(data)), read_options=options, memory_pool=_POOL
        )
        if not all(
            pa.types.is_string(field.type) or pa.types.is_null(field.type)
            for field in table.schema
            if field.name in schema.names
        ):
            table = None
    except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
        pass
    if table is None:
        parse = pa_json.ParseOptions(explicit_schema=schema)
        try:
            table = pa_json.read_json(
                pa.BufferReader(pa.py_buffer(data)),
                read_options=options,
                parse_options=parse,
                memory_pool=_POOL,
            )
        except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
            return None
    return table if _valid_text(table) else None


def _all_text(table: pa.Table) -> bool:
    return all(pa.types.is_string(t) or pa.types.is_null(t) for t in table.schema.types)


def _valid_text(table: pa.Table) -> bool:
    """Arrow's JSON reader copies string bytes without checking that they are UTF-8 (Polars would then hold
    invalid text): a table the fast path may take is validated, and one that fails goes to the per-line
    path, which names the line. Tables with nested columns never take the fast path and are not checked."""
    if not _all_text(table):
        return True
    try:
        table.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _arrow_unsafe(data: bytes | memoryview, ends: np.ndarray) -> np.ndarray:
    """Per line, whether Arrow's JSON reader must not see it: it crashes the process (a segfault, not an
    error) on some inputs that the per-line path quarantines one line at a time:
    - a line that is not an object ('null' as the first line crashes pyarrow 26): only object lines can be
      fast-path rows, so a line that does not start with '{' (a blank or indented one too) is kept from it;
    - a line nested deeper than ARROW_MAX_DEPTH: such a line has that many brackets and at least twice as
      many bytes, so only long lines' brackets are counted ('[' | 0x20 == '{')."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    starts = np.concatenate(([0], ends[:-1] + 1)) if len(ends) else ends
    unsafe = buffer[starts] != ord("{")
    long_lines = np.flatnonzero(ends - starts >= 2 * ARROW_MAX_DEPTH)
    if len(long_lines) * LONG_LINES_FOR_ONE_PASS > len(buffer):
        openers = np.flatnonzero((buffer | 0x20) == 0x7B)
        unsafe |= np.diff(np.searchsorted(openers, ends), prepend=0) > ARROW_MAX_DEPTH
    else:
        for index in long_lines:
            line = buffer[starts[index] : ends[index]]
            unsafe[index] |= np.count_nonzero((line | 0x20) == 0x7B) > ARROW_MAX_DEPTH
    return unsafe


@functools.cache
def _string_schema(forced: Format | None) -> pa.Schema:
    """Every text key of the flat formats (and of a forced registry format) declared as string."""
    keys: set[str] = set()
    for fmt in [*all_formats(), forced]:
        if isinstance(fmt, FlatFormat):
            keys |= fmt.spec.keys() - {fmt.spec.history, fmt.spec.label}
    return pa.schema([(key, pa.string()) for key in sorted(keys)])


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
