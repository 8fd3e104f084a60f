"""The mapper registry: a mapper is a plain function `(text: pl.Expr, **params) -> pl.Expr`.

Like checks, the signature is the parameter schema the rule file is validated against. A mapper must be
idempotent (applying it twice changes nothing more), so that re-running a curated file is a no-op.

    @mapper("strip")
    def strip(text: pl.Expr) -> pl.Expr:
        '''Remove leading and trailing whitespace.'''
        return text.str.strip_chars()

A mapper may name a `trigger`: a function of its params returning a regex that matches every text the
mapper would change (it may match more). Rows whose texts match no step's trigger are left alone without
running the mappers at all, which is most rows of real data; a mapper without one is run on every row.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

MapperFunction = Callable[..., pl.Expr]
TriggerFunction = Callable[..., str]


@dataclass(frozen=True)
class MapperSpec:
    name: str
    function: MapperFunction
    params: dict[str, inspect.Parameter]
    doc: str
    trigger: TriggerFunction | None = None  # (**params) -> regex matching every text the mapper changes


_MAPPERS: dict[str, MapperSpec] = {}


def mapper(
    name: str, *, trigger: TriggerFunction | None = None
) -> Callable[[MapperFunction], MapperFunction]:
    def register(function: MapperFunction) -> MapperFunction:
        parameters = dict(inspect.signature(function).parameters)
        parameters.pop(next(iter(parameters)))  # the text expression
        doc = inspect.getdoc(function) or ""
        _MAPPERS[name] = MapperSpec(name, function, parameters, doc.splitlines()[0] if doc else "", trigger)
        return function

    return register


def registered_mappers() -> dict[str, MapperSpec]:
    importlib.import_module("winnow.curation.mappers.text")
    return dict(sorted(_MAPPERS.items()))
