"""One JSON value (a JSONL line, an array element) parsed strictly: what `json.loads` accepts but winnow
cannot keep or trust is a BadValue whose message names the field, so the reader quarantines that line alone.

- A duplicated key in one object: `json.loads` keeps the last value in silence; which one the author meant
  is ambiguous, so the line is quarantined (Arrow's reader, on the fast path, refuses such lines too).
- A lone surrogate (`"\\ud800"`, half of a UTF-16 pair, not a character): no UTF-8 text can hold it, so
  Polars and Arrow cannot store it and the line is quarantined. A proper pair (`"\\ud83d\\ude00"`, 😀)
  is one character and is kept.
- Nesting deeper than MAX_DEPTH levels: no row of any format is close to it, and Python's parser and
  encoder recurse (a RecursionError near 1,000 levels), so the line is quarantined.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 100
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SPACE = re.compile(r"[ \t\n\r]*")


class BadValue(Exception):
    """A JSON value that parses but is not kept; `message` names the field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        key = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise BadValue(
            f"{printable(key)}: duplicate key in one object (JSON keeps only the last value; "
            "which one is meant is ambiguous)"
        )
    return value


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)


def load_value(text: str, start: int = 0) -> tuple[Any, int]:
    """(value, index after it) of the JSON value at text[start] (no whitespace before it).

    Raises json.JSONDecodeError where the text is not JSON, BadValue where it is but cannot be kept."""
    try:
        value, stop = _DECODER.raw_decode(text, start)
    except RecursionError:
        raise BadValue(f"JSON nested more than {MAX_DEPTH} levels deep") from None
    if text.count("[", start, stop) + text.count("{", start, stop) > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise BadValue(f"JSON nested more than {MAX_DEPTH} levels deep")
    # only a \uD800-\uDFFF escape makes a surrogate (the text itself is valid UTF-8): where the text has
    # one (an escaped emoji is a proper pair), the parsed strings are checked, which also finds the field
    if text.find("\\", start, stop) != -1 and _SURROGATE_ESCAPE.search(text, start, stop):
        field = _lone_surrogate_field(value)
        if field is not None:
            raise BadValue(
                f"{field}: lone surrogate (half of a UTF-16 pair, not a character; UTF-8 cannot hold it)"
            )
    return value, stop


@dataclass(frozen=True)
class Element:
    """One value of a JSON document: parsed (`problem` None) or refused with its reason and its text."""

    value: Any
    problem: str | None = None
    text: str = ""


def load_document(text: str) -> tuple[bool, list[Element]]:
    """(is it an array, its elements) of a whole JSON document, element by element, so that one element
    that cannot be kept is refused alone; a document that is not one value is a json.JSONDecodeError (the
    whole file: no element can be trusted once the syntax is lost)."""
    start = _SPACE.match(text).end()  # type: ignore[union-attr]
    if not text.startswith("[", start):
        element, end = _element(text, start)
        _expect_end(text, end)
        return False, [element]
    elements: list[Element] = []
    position = _SPACE.match(text, start + 1).end()  # type: ignore[union-attr]
    if text.startswith("]", position):
        _expect_end(text, position + 1)
        return True, elements
    while True:
        element, end = _element(text, position)
        elements.append(element)
        position = _SPACE.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith(",", position):
            position = _SPACE.match(text, position + 1).end()  # type: ignore[union-attr]
        elif text.startswith("]", position):
            _expect_end(text, position + 1)
            return True, elements
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)


def _element(text: str, start: int) -> tuple[Element, int]:
    try:
        value, end = load_value(text, start)
    except BadValue as problem:
        end = end_of_value(text, start)
        return Element(None, problem.message, text[start:end]), end
    return Element(value), end


def _expect_end(text: str, end: int) -> None:
    after = _SPACE.match(text, end).end()  # type: ignore[union-attr]
    if after != len(text):
        raise json.JSONDecodeError("Extra data", text, after)


def load_text(text: str) -> Any:
    """`json.loads(text)`, strictly: the one value the text holds (whitespace around it allowed); raises
    json.JSONDecodeError (with json.loads's messages and positions) or BadValue."""
    value, end = load_value(text, _SPACE.match(text).end())  # type: ignore[union-attr]
    _expect_end(text, end)
    return value


def end_of_value(text: str, start: int) -> int:
    """Index after the string, object or array at text[start], found by its brackets alone (for a value
    load_value refused, which ends no one knows where); json.JSONDecodeError where they do not close."""
    depth = 0
    for token in _TOKEN.finditer(text, start):
        if token.start() == start and token.group().startswith('"'):
            return token.end()
        symbol = token.group()
        if symbol in "[{":
            depth += 1
        elif symbol in "]}":
            depth -= 1
        if depth == 0:
            return token.end()
    raise json.JSONDecodeError("Unterminated value", text, start)


def printable(text: str) -> str:
    """`text` with any lone surrogate written as its escape, so it can be stored and printed."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _depth(value: Any) -> int:
    """Nesting depth of a parsed value (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _lone_surrogate_field(value: Any) -> str | None:
    """Where the first string (or key) holding a lone surrogate is: `conversations[1].value`, `(value)`."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return path or "(value)"
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                where = f"{path}.{printable(key)}" if path else printable(key)
                if not _encodable(key):
                    return f"key {where}"
                children.append((child, where))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([(child, f"{path}[{index}]") for index, child in enumerate(item)]))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
