"""Validate a rule entry's `params` against the signature of the function it configures.

The function's signature is the parameter schema: names, defaults (a parameter without one is required),
types from annotations (int, float, bool, str, list[str], `X | None`) and value ranges declared with
`Annotated[..., Range(...)]`. Every problem goes to `problems` with its place; the result is the full
parameter dict (defaults filled in) that the function will be called with.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from winnow.curation.checks.params import Range
from winnow.curation.rulefile.problems import Problems

_MISSING = object()


def _describe(annotation: Any) -> str:
    if annotation is type(None):
        return "null"
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return f"a list of {_describe(item)}"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(annotation))
    return getattr(annotation, "__name__", str(annotation))


def _matches(value: Any, annotation: Any) -> bool:
    """Whether a YAML value fits an annotation (an int is a fine float; a bool is not an int)."""
    if annotation is Any or annotation is inspect.Parameter.empty:
        return True
    if annotation is type(None):
        return value is None
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, a) for a in typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return True


def _unpack(hint: Any) -> tuple[Any, list[Range]]:
    """(base type, declared ranges) of a possibly Annotated hint."""
    if typing.get_origin(hint) is typing.Annotated:
        base, *extras = typing.get_args(hint)
        return base, [e for e in extras if isinstance(e, Range)]
    return hint, []


def signature_schema(
    function: Callable[..., Any], params: Mapping[str, inspect.Parameter]
) -> dict[str, tuple[Any, list[Range], Any]]:
    """name → (type, ranges, default or _MISSING) for the given parameters of `function`."""
    hints = typing.get_type_hints(function, include_extras=True)
    schema = {}
    for name, parameter in params.items():
        base, ranges = _unpack(hints.get(name, Any))
        default = _MISSING if parameter.default is inspect.Parameter.empty else parameter.default
        schema[name] = (base, ranges, default)
    return schema


def describe_params(function: Callable[..., Any], params: Mapping[str, inspect.Parameter]) -> list[str]:
    """Human-readable `name: type = default [low..high]` lines (for `winnow rules list`)."""
    lines = []
    for name, (base, ranges, default) in signature_schema(function, params).items():
        text = f"{name}: {_describe(base)}"
        text += " (required)" if default is _MISSING else f" = {default!r}"
        for r in ranges:
            low = "" if r.low is None else f"{r.low:g}"
            high = "" if r.high is None else f"{r.high:g}"
            text += f" [{low}..{high}]"
        lines.append(text)
    return lines


def validate_params(
    function: Callable[..., Any],
    params: Mapping[str, inspect.Parameter],
    raw: Any,
    place: str,
    problems: Problems,
) -> dict[str, Any]:
    """Check `raw` (the YAML `params` mapping) against the signature; return params with defaults filled."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.add(place, f"must be a mapping of parameter names to values, got {type(raw).__name__}")
        raw = {}
    schema = signature_schema(function, params)
    resolved: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in schema:
            problems.unknown(f"{place}.{key}", str(key), schema, what="parameter")
            continue
        base, ranges, _default = schema[key]
        if not _matches(value, base):
            problems.add(f"{place}.{key}", f"must be {_describe(base)}, got {value!r}")
            continue
        for declared in ranges:
            if isinstance(value, int | float) and (why := declared.violation(value)):
                problems.add(f"{place}.{key}", why)
        resolved[key] = float(value) if base is float and isinstance(value, int) else value
    for key, (_base, _ranges, default) in schema.items():
        if key in resolved or key in raw:
            continue
        if default is _MISSING:
            problems.add(f"{place}.{key}", "required parameter is missing")
        else:
            resolved[key] = default
    return resolved
