"""One schema across a written file's rows: the rule every consumer of an export applies.

`datasets.load_dataset("json")` (Arrow) and LLaMA-Factory's converter both take a column's type from the
rows they see first: a key missing from the first rows is typed null and the first row holding a string
there fails (`Couldn't cast array of type string to null`), and one key holding a string in one row and a
list in another fails outright. So a file winnow writes has, in every row, every key any row has, and
each key (and each nested path) one JSON type apart from null:

    rows, notes = unify_rows(rows, fmt)      # fills absent keys; mixed-type extra keys as JSON text
    schema_problems(rows)                    # [] when the rows obey the rule (tests and export use it)

A format's own string fields (system, tools, input, task, ...) absent from a row are written as "" (every
winnow reader and LLaMA-Factory read "" as absent); list fields as []. Extra keys put back from `meta` are
written as null where a row lacks them (Arrow reads a null in a typed column). An extra key whose values
differ in type across rows (a number here, a string there) is written as JSON text in every row, with a
note, since no single column type holds both.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from winnow.curation.formats.base import Format


def json_type(value: Any) -> str:
    """The JSON type of a value: null, bool, number, string, list or object (ints and floats are one)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def _paths(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, JSON type) for a value and everything nested in it; list items share the path `path[]`."""
    kind = json_type(value)
    yield path, kind
    if kind == "list":
        for item in value:
            yield from _paths(item, f"{path}[]")
    elif kind == "object":
        for key, item in value.items():
            yield from _paths(item, f"{path}.{key}")


def _types(values: list[Any], path: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for value in values:
        for where, kind in _paths(value, path):
            if kind != "null":
                found.setdefault(where, set()).add(kind)
    return found


def schema_problems(rows: list[Any]) -> list[str]:
    """What breaks one-schema-across-rows: keys missing from some rows, paths holding two JSON types."""
    objects = [row for row in rows if isinstance(row, dict)]
    problems: list[str] = []
    if objects and len(objects) != len(rows):
        problems.append("some rows are JSON objects and others are not")
    keys = Counter(key for row in objects for key in row)
    for key, count in keys.items():
        if count != len(objects):
            problems.append(f"{key!r} is present in {count} of {len(objects)} rows")
    for path, kinds in sorted(_types(rows, "").items()):
        if len(kinds) > 1:
            problems.append(f"{path or 'row'} holds {' and '.join(sorted(kinds))} values")
    return problems


def _fill(fmt: Format, key: str, kinds: set[str]) -> Any:
    if key not in fmt.known_keys and key != "task":
        return None
    if kinds == {"string"}:
        return ""
    if kinds == {"list"}:
        return []
    return None


def unify_rows(rows: list[Any], fmt: Format) -> tuple[list[Any], dict[str, int]]:
    """`rows` with every key in every row and one type per key; {note: rows} for values rewritten as text."""
    objects = [row for row in rows if isinstance(row, dict)]
    if not objects:
        return rows, {}
    order = list(dict.fromkeys(key for row in objects for key in row))
    notes: dict[str, int] = {}
    kinds: dict[str, set[str]] = {}
    for key in order:
        types = _types([row.get(key) for row in objects], key)
        mixed = [path for path, found in types.items() if len(found) > 1]
        kinds[key] = types.get(key, set())
        if mixed and key not in fmt.known_keys:
            note = f"extra field {key!r} holds values of several JSON types; non-text values written as JSON text"
            for row in objects:
                value = row.get(key)
                if value is not None and not isinstance(value, str):
                    row[key] = json.dumps(value, ensure_ascii=False)
                    notes[note] = notes.get(note, 0) + 1
            kinds[key] = {"string"}
    fills = {key: _fill(fmt, key, kinds[key]) for key in order}
    # a row keeps its own key order (meta keys are read back in it); the keys it lacks come after
    unified = [
        {**row, **{key: fills[key] for key in order if key not in row}} if isinstance(row, dict) else row
        for row in rows
    ]
    return unified, notes
