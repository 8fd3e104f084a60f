"""The mapper registry: a mapper is a plain function `(text: pl.Expr, **params) -> pl.Expr`.

Like checks, the signature is the parameter schema the rule file is validated against. A mapper must be
idempotent (applying it twice changes nothing more), so that re-running a curated file is a no-op.

    @mapper("strip")
    def strip(text: pl.Expr) -> pl.Expr:
        '''Remove leading and trailing whitespace.'''
        return text.str.strip_chars()
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

MapperFunction = Callable[..., pl.Expr]


@dataclass(frozen=True)
class MapperSpec:
    name: str
    function: MapperFunction
    params: dict[str, inspect.Parameter]
    doc: str


_MAPPERS: dict[str, MapperSpec] = {}


def mapper(name: str) -> Callable[[MapperFunction], MapperFunction]:
    def register(function: MapperFunction) -> MapperFunction:
        parameters = dict(inspect.signature(function).parameters)
        parameters.pop(next(iter(parameters)))  # the text expression
        doc = inspect.getdoc(function) or ""
        _MAPPERS[name] = MapperSpec(name, function, parameters, doc.splitlines()[0] if doc else "")
        return function

    return register


def registered_mappers() -> dict[str, MapperSpec]:
    importlib.import_module("curate.mappers.text")
    return dict(sorted(_MAPPERS.items()))
