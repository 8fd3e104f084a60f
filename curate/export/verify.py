"""Read an exported file back and check it against the canonical rows it was written from.

Ids do not survive a format (the reader derives ids from the file name and content), so rows are compared
by what a trainer sees: kind, the prompt as a chat template receives it (system first, `input` merged into
the last user turn — so Alpaca's separate `input` and ShareGPT's merged turn compare equal), the reply or
the chosen/rejected pair, the KTO label, pretrain text and the tool schemas (as parsed JSON). Comparison is
a multiset (repeated train rows count once per copy).

The writer says how many rows it could not hold (`dropped`) and how many it wrote without some part
(`lost_fields`); the check passes when every row read back is one of the canonical rows, the count read
equals the count written, and the rows that match nothing number no more than those the writer reported
as written with a part missing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.io.read import read_corpus
from winnow.curation.io.write import WriteReport
from winnow.curation.record import RECORD_SCHEMA, prompt_messages


@dataclass
class Verification:
    path: str
    rows_expected: int  # canonical rows given to the writer
    rows_written: int
    rows_read: int
    matched: int
    unmatched_read: int  # rows read back that equal no canonical row
    quarantined: int
    problems: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _tools_key(tools: str | None) -> Any:
    if not tools:
        return None
    try:
        return json.dumps(json.loads(tools), sort_keys=True, ensure_ascii=False)
    except json.JSONDecodeError:
        return tools


def content_key(row: dict[str, Any]) -> str:
    """What a trainer sees of a canonical row, as one comparable string."""
    messages = prompt_messages(row) if row.get("kind") != "pretrain" else []
    return json.dumps(
        [
            row.get("kind"),
            [[m["role"], m["content"]] for m in messages],
            row.get("chosen"),
            row.get("rejected"),
            row.get("label"),
            row.get("text"),
            _tools_key(row.get("tools")),
        ],
        ensure_ascii=False,
    )


def content_keys(frame: pl.DataFrame) -> Counter[str]:
    columns = [c for c in RECORD_SCHEMA.names() if c in frame.columns]
    return Counter(content_key(row) for row in frame.select(columns).iter_rows(named=True))


def verify_rows(
    expected: Counter[str], read_back: Iterable[str], report: WriteReport, path: str
) -> Verification:
    remaining = Counter(expected)
    matched = 0
    unmatched: list[str] = []
    rows_read = 0
    for key in read_back:
        rows_read += 1
        if remaining[key] > 0:
            remaining[key] -= 1
            matched += 1
        else:
            unmatched.append(key)
    check = Verification(
        path=path,
        rows_expected=sum(expected.values()),
        rows_written=report.rows_written,
        rows_read=rows_read,
        matched=matched,
        unmatched_read=len(unmatched),
        quarantined=0,
    )
    if rows_read != report.rows_written:
        check.problems.append(f"{path}: wrote {report.rows_written} rows but read back {rows_read}")
    allowed = sum(report.lost_fields.values())
    if len(unmatched) > allowed:
        check.problems.append(
            f"{path}: {len(unmatched)} rows read back differ from every canonical row "
            f"(the writer reported {allowed} rows written with a part missing)"
        )
        check.examples = [key[:300] for key in unmatched[:3]]
    return check


def verify_file(expected: Counter[str], path: Path, fmt: str | None, report: WriteReport) -> Verification:
    """Read `path` (a file or a save_to_disk folder) as `fmt` and check it against the canonical keys."""
    result = read_corpus([path], format=fmt)
    check = verify_rows(expected, content_keys(result.records).elements(), report, str(path))
    check.quarantined = result.quarantine.height
    if result.quarantine.height:
        first = result.quarantine.row(0, named=True)
        check.problems.append(
            f"{path}: {result.quarantine.height} rows could not be read back "
            f"(first: line {first['line']}: {first['error']})"
        )
    return check
