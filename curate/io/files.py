"""Readers for whole files: JSON arrays, Parquet, Hugging Face `save_to_disk` folders and plain text.

A JSON array is one document: if its syntax breaks, the whole file is one quarantine entry (with the
parser's line and column), since no element can be trusted; it is parsed element by element, so an element
that parses but cannot be kept (a lone surrogate, a duplicated key, deep nesting: winnow.curation.io.values) is
quarantined alone with its index. Compressed (.json.gz, .json.zst) and UTF-16/32 files are read through
winnow.curation.io.streams. A `.json` file that holds JSON Lines (a common
mislabel) is read as JSONL. Row `line` is the 0-based element index for arrays, Parquet and Arrow rows and
the 1-based line for text files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.errors import InputFormatError, UsageError
from winnow.curation.formats.registry import get_format
from winnow.curation.io.jsonl import BOM, MAX_LINE_BYTES, read_jsonl
from winnow.curation.io.sink import SourceSink
from winnow.curation.io.streams import read_utf8
from winnow.curation.io.values import load_document


def read_json(path: Path, sink: SourceSink, compression: str | None = None) -> None:
    data, broken = read_utf8(path, compression)
    if broken is not None:
        sink.bad(None, f"{broken}; no element of the array can be trusted", data[-200:])
        return
    if not data.strip():
        sink.bad(None, "empty file", b"")
        return
    if data.startswith(BOM):
        sink.bad(
            None, "file starts with a UTF-8 byte-order mark (BOM); re-save it as UTF-8 without BOM", data[3:]
        )
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        sink.bad(
            None,
            f"not valid UTF-8 at byte {error.start}",
            data[max(0, error.start - 100) : error.start + 100],
        )
        return
    try:
        is_array, elements = load_document(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data" and text.lstrip().startswith("{"):
            read_jsonl(path, sink, compression)  # JSON Lines saved as .json
            return
        where = f"line {error.lineno} column {error.colno}"
        sink.bad(
            None,
            f"invalid JSON ({where}): {error.msg}; no element of the array can be trusted",
            text[error.pos : error.pos + 200],
        )
        return
    if not is_array and elements[0].problem is None and not isinstance(elements[0].value, dict):
        sink.bad(None, f"expected a JSON array of rows, got {type(elements[0].value).__name__}", text)
        return
    for index, element in enumerate(elements):
        if element.problem is None:
            sink.row(index, element.value)
        else:
            sink.bad(index, element.problem, element.text)


def read_parquet(path: Path, sink: SourceSink) -> None:
    try:
        frame = pl.read_parquet(path, glob=False)
    except Exception as error:
        sink.bad(None, f"cannot read Parquet: {error}", b"")
        return
    _refuse_a_ledger(path, frame)
    _read_frame(frame, sink)


def _refuse_a_ledger(path: Path, frame: pl.DataFrame) -> None:
    """A run folder's rows.parquet holds every row's ledger but not its texts (winnow.curation.run_folder):
    read as a corpus, each of its rows would be quarantined for want of a format. Said once, with the files
    that hold the rows."""
    from winnow.curation.run_folder import RUN_ID_KEY, TEXT_COLUMNS

    if any(name in frame.columns for name in TEXT_COLUMNS):
        return
    try:
        metadata = pl.read_parquet_metadata(path)
    except Exception:
        return
    if RUN_ID_KEY in metadata:
        raise UsageError(
            f"{path} is the ledger of a `winnow curate` run (its ids, reasons and metrics, not its texts)",
            hint=f"read the rows from {path.with_name('kept.parquet')} (kept) or "
            f"{path.with_name('dropped.parquet')} (dropped)",
        )


def _read_frame(frame: pl.DataFrame, sink: SourceSink) -> None:
    if frame.height == 0:
        sink.bad(None, "empty file (no rows)", b"")
        return
    for index, row in enumerate(frame.iter_rows(named=True)):
        sink.row(index, row)


def is_hf_folder(path: Path) -> bool:
    return path.is_dir() and ((path / "state.json").is_file() or (path / "dataset_dict.json").is_file())


HF_DAMAGED = "the save_to_disk folder is damaged (a truncated, missing or foreign file?): save it again"
ARROW_END_OF_STREAM = b"\xff\xff\xff\xff\x00\x00\x00\x00"  # what a closed Arrow stream writer ends with


def _hf_json(path: Path) -> dict[str, Any]:
    """A save_to_disk folder's state.json / dataset_dict.json; a damaged one is an InputFormatError."""
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InputFormatError(
            f"cannot read this save_to_disk file: {reason}", where=str(path), hint=HF_DAMAGED
        ) from error
    if not isinstance(value, dict):
        raise InputFormatError("not a save_to_disk file (no JSON object)", where=str(path), hint=HF_DAMAGED)
    return value


def hf_parts(path: Path) -> list[tuple[str, list[Path]]]:
    """(split name or "", arrow files) of a `Dataset.save_to_disk` / `DatasetDict.save_to_disk` folder."""
    if (path / "dataset_dict.json").is_file():
        splits = _hf_json(path / "dataset_dict.json").get("splits", [])
        parts = []
        for split in splits if isinstance(splits, list) else []:
            if not (path / str(split) / "state.json").is_file():
                raise InputFormatError(
                    f"split {split!r} is listed in dataset_dict.json but has no state.json",
                    where=str(path / str(split)),
                    hint=HF_DAMAGED,
                )
            parts.append((str(split), hf_parts(path / str(split))[0][1]))
        return parts
    state = _hf_json(path / "state.json")
    try:
        return [("", [path / entry["filename"] for entry in state.get("_data_files", [])])]
    except (TypeError, KeyError):
        raise InputFormatError(
            "state.json does not list its data files (_data_files[].filename)",
            where=str(path / "state.json"),
            hint=HF_DAMAGED,
        ) from None


def read_arrow_file(path: Path) -> pl.DataFrame:
    """One Arrow stream file of a save_to_disk folder; a truncated or unreadable one is an InputFormatError.

    A stream cut at a record-batch boundary still parses (with rows missing), so the file must also end
    with the end-of-stream marker that a writer closes it with.
    """
    try:
        frame = pl.read_ipc_stream(path)
        with path.open("rb") as handle:
            handle.seek(max(path.stat().st_size - len(ARROW_END_OF_STREAM), 0))
            complete = handle.read() == ARROW_END_OF_STREAM
    except FileNotFoundError:
        raise InputFormatError(
            "missing: state.json lists this Arrow file", where=str(path), hint=HF_DAMAGED
        ) from None
    except (OSError, pl.exceptions.PolarsError) as error:
        reason = getattr(error, "strerror", None) or str(error).splitlines()[0][:200]
        raise InputFormatError(
            f"cannot read this Arrow file of a save_to_disk folder: {reason}",
            where=str(path),
            hint=HF_DAMAGED,
        ) from error
    if not complete:
        raise InputFormatError(
            "this Arrow file of a save_to_disk folder is truncated (no end-of-stream marker)",
            where=str(path),
            hint=HF_DAMAGED,
        )
    return frame


def read_arrow_files(files: list[Path], sink: SourceSink) -> None:
    frames = [read_arrow_file(f) for f in files]
    _read_frame(pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame(), sink)


def read_txt(path: Path, sink: SourceSink) -> None:
    """Plain text: one pretraining document per non-blank line."""
    if sink.forced is not None and sink.forced.name != "pretrain":
        raise UsageError(
            f"{path}: a .txt file holds pretrain text, not {sink.forced.name}",
            hint="drop --format for .txt inputs",
        )
    sink.forced = get_format("pretrain")
    data, broken = read_utf8(path, None)  # a UTF-16/32 file (with its BOM) is transcoded
    if not data.strip() and broken is None:
        sink.bad(None, "empty file", b"")
        return
    if broken is not None:  # the last line may be cut: it goes with the rest
        data = data[: data.rfind(b"\n") + 1]
        sink.bad(None, broken.lost_after(data.count(b"\n")), b"")
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        if raw.startswith(BOM):
            sink.bad(
                number,
                "line starts with a UTF-8 byte-order mark (BOM); re-save the file as UTF-8 without BOM",
                raw[3:],
            )
        elif len(raw) > MAX_LINE_BYTES:
            sink.bad(number, f"line is {len(raw):,} bytes, over the {MAX_LINE_BYTES:,}-byte limit", raw)
        else:
            try:
                sink.row(number, {"text": raw.decode("utf-8")})
            except UnicodeDecodeError as error:
                sink.bad(number, f"not valid UTF-8 (byte {error.start})", raw)
