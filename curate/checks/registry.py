"""The check registry: one decorator, one source of truth for check names.

A check is a plain function whose signature is its parameter schema. It returns a `Check`: a Polars
expression that is true on failure, a stable reason string and, where it has one, the metric expression
the threshold applies to (the report draws its histogram and the drop counts at nearby thresholds).

Two scopes:
    text  the function's first parameter is `text: pl.Expr`, a String expression for the field the rule
          file names (instruction, input, response, system, messages, all_text). For `messages` the engine
          evaluates it on every message and the row fails when any message fails.
    row   the function builds on the canonical columns itself (e.g. conversation structure, preference
          pairs); the rule file gives it no field.

    @check("max_special_char_ratio", scope="text")
    def max_special_char_ratio(text: pl.Expr, max_ratio: float = 0.25) -> Check:
        '''Share of characters that are neither letters, digits nor whitespace.'''
        ratio = ...
        return Check(fails=ratio > max_ratio, metric=ratio, threshold=max_ratio, direction="max")

The reason string defaults to the check's name; a rule entry may rename it with `name:`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

Scope = Literal["text", "row"]
Direction = Literal["max", "min"]


@dataclass(frozen=True)
class Check:
    """What a check function returns.

    fails      boolean expression, true where the row fails (null counts as pass)
    metric     numeric expression the threshold applies to, or None for yes/no checks
    threshold  the threshold value used in `fails` (for the report), or None
    direction  "max": fails when metric is above threshold; "min": fails when below
    span       optional String expression: the offending text span, for highlighting in the report
    """

    fails: pl.Expr
    metric: pl.Expr | None = None
    threshold: float | None = None
    direction: Direction | None = None
    span: pl.Expr | None = None


@dataclass(frozen=True)
class CheckSpec:
    name: str
    scope: Scope
    function: Callable[..., Check]
    params: dict[str, inspect.Parameter] = field(default_factory=dict)
    doc: str = ""
    family: str = ""  # module family, e.g. "garbage", "language", "sanity"

    def build(self, text: pl.Expr | None, params: dict[str, Any]) -> Check:
        if self.scope == "text":
            return self.function(text, **params)
        return self.function(**params)


_REGISTRY: dict[str, CheckSpec] = {}


def check(name: str, *, scope: Scope = "text") -> Callable[[Callable[..., Check]], Callable[..., Check]]:
    """Register a check function under `name`."""

    def register(function: Callable[..., Check]) -> Callable[..., Check]:
        if name in _REGISTRY and _REGISTRY[name].function is not function:
            raise ValueError(f"check {name!r} registered twice ({_REGISTRY[name].function.__module__})")
        parameters = dict(inspect.signature(function).parameters)
        if scope == "text":
            parameters.pop(next(iter(parameters)))  # the text expression is not a rule-file parameter
        doc = inspect.getdoc(function) or ""
        _REGISTRY[name] = CheckSpec(
            name=name,
            scope=scope,
            function=function,
            params=parameters,
            doc=doc.splitlines()[0] if doc else "",
            family=function.__module__.rsplit(".", 1)[-1],
        )
        return function

    return register


def load_all_checks() -> None:
    """Import every module of the `winnow.curation.checks` package so that their decorators run."""
    import winnow.curation.checks as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "registry":
            importlib.import_module(f"{package.__name__}.{module.name}")


def registered_checks() -> dict[str, CheckSpec]:
    load_all_checks()
    return dict(sorted(_REGISTRY.items()))


def get_check(name: str) -> CheckSpec:
    return registered_checks()[name]
