"""What a format is: its keys, how a row becomes canonical records, and how a record becomes a row.

A format reads one raw row (a dict parsed from JSON, a Parquet row, ...) into one or more partial canonical
records (`to_record`) and writes one canonical record back (`from_record`). Reading is strict: a missing
required field, a wrong type, an unknown role or an empty turn raises `RowError` naming the field, and the
reader quarantines the row with file:line. Writing never loses data silently: a record the format cannot
hold comes back as `Written(row=None, lost=[reason])`, and a lossless-but-changed write (Alpaca `input`
merged into the last user turn) carries a note.

Conventions shared by every format:
    * a key whose value is null counts as absent (for detection and mapping alike);
    * optional strings that are empty ("") become null, so writers may always write every key;
    * input keys a format does not map go to `meta` (a JSON object) and writers put them back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Record = dict[
    str, Any
]  # a partial canonical record: kind, system, messages (list of dicts), input, ..., meta (dict)
Row = Any  # a raw row: usually a dict, a list for the bare-messages format


class RowError(Exception):
    """A row that cannot be read as its format; `field` names the offending key (dotted path)."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


@dataclass
class Written:
    """One record written as a row of a format: `row` is None when the format cannot hold it."""

    row: Row | None
    lost: list[str] = field(default_factory=list)  # reasons the row was not written (or lost a part)
    notes: list[str] = field(default_factory=list)  # lossless changes worth telling (e.g. input merged)


class Format:
    """Base of every format. Subclasses set the class attributes and implement `to_records` and `write_row`."""

    name: str = ""
    description: str = ""
    # Detection: a row matches a signature when all its keys are present (non-null); `optional` keys count
    # towards how well a format explains a row when two formats match.
    signatures: tuple[frozenset[str], ...] = ()
    optional: frozenset[str] = frozenset()
    kinds: tuple[str, ...] = ("sft",)
    cannot_hold: str = ""
    row_is_list: bool = False  # the bare-messages format: a row is a JSON list, not an object

    @property
    def required(self) -> frozenset[str]:
        """Keys of the first signature (for the table of formats)."""
        return self.signatures[0] if self.signatures else frozenset()

    @property
    def known_keys(self) -> frozenset[str]:
        keys: set[str] = set(self.optional)
        for signature in self.signatures:
            keys |= signature
        return frozenset(keys)

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Value-level refinement after the key check (e.g. typed content lists); default: keys suffice."""
        return True

    def to_records(self, row: Row) -> list[Record]:
        raise NotImplementedError

    def from_record(self, record: Mapping[str, Any]) -> Written:
        """The record as a row of this format; a kind the format does not hold is reported, not written."""
        reason = kind_is(record, self)
        if reason:
            return Written(row=None, lost=[reason])
        return self.write_row(record)

    def write_row(self, record: Mapping[str, Any]) -> Written:
        """Convert a record whose kind this format holds (`from_record` has checked it)."""
        raise NotImplementedError


# ---- strict field access ------------------------------------------------------------------------------


def present_keys(row: Mapping[str, Any]) -> frozenset[str]:
    """Keys whose value is not null."""
    return frozenset(key for key, value in row.items() if value is not None)


def require_str(row: Mapping[str, Any], key: str, *, allow_empty: bool = False) -> str:
    value = row.get(key)
    if value is None:
        raise RowError(key, "missing required field")
    if not isinstance(value, str):
        raise RowError(key, f"expected a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise RowError(key, "empty turn (blank text)")
    return value


def optional_str(row: Mapping[str, Any], key: str | None) -> str | None:
    """An optional string field; "" becomes None (so writers can always write the key)."""
    if key is None:
        return None
    value = row.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowError(key, f"expected a string, got {type(value).__name__}")
    return value or None


def optional_json_text(row: Mapping[str, Any], key: str | None) -> str | None:
    """A field that holds JSON (tool schemas): kept as text; a parsed list/object is serialised."""
    if key is None or row.get(key) is None:
        return None
    value = row[key]
    if isinstance(value, str):
        return value or None
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    raise RowError(key, f"expected a JSON string, list or object, got {type(value).__name__}")


def require_bool(row: Mapping[str, Any], key: str) -> bool:
    value = row.get(key)
    if value is None:
        raise RowError(key, "missing required field")
    if not isinstance(value, bool):
        raise RowError(key, f"expected true or false, got {type(value).__name__} {value!r}")
    return value


def unmapped(row: Mapping[str, Any], mapped: Sequence[str] | frozenset[str]) -> dict[str, Any] | None:
    """Every non-null key the format does not map, in input order (becomes `meta`)."""
    mapped_set = set(mapped)
    extra = {key: value for key, value in row.items() if key not in mapped_set and value is not None}
    return extra or None


def check_turn(content: str, field: str) -> str:
    if not content.strip():
        raise RowError(field, "empty turn (blank text)")
    return content


def spread_meta(row: dict[str, Any], record: Mapping[str, Any], written: Written, fmt: str) -> None:
    """Put `meta` keys back as top-level keys; a key that collides with a format field is reported."""
    meta = record.get("meta")
    if not meta:
        return
    values = json.loads(meta) if isinstance(meta, str) else dict(meta)
    for key, value in values.items():
        if key in row:
            written.lost.append(f"meta field {key!r} collides with a {fmt} field (not written)")
        else:
            row[key] = value


def turns_of(record: Mapping[str, Any]) -> list[dict[str, str]]:
    return [dict(m) for m in record.get("messages") or []]


def kind_is(record: Mapping[str, Any], fmt: Format) -> str | None:
    """A reason when the record's kind is not one the format holds, else None."""
    kind = record.get("kind")
    if kind not in fmt.kinds:
        return f"{kind} rows ({fmt.name} holds {'/'.join(fmt.kinds)} rows)"
    return None


def no_tools(record: Mapping[str, Any], fmt: str) -> str | None:
    if record.get("tools"):
        return f"tool schemas ({fmt} has no tools field)"
    if any(m["role"] in ("tool_call", "tool") for m in record.get("messages") or []):
        return f"tool calls/results ({fmt} has no tool roles)"
    return None


RecordBuilder = Callable[[Mapping[str, Any]], list[Record]]
