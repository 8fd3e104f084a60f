"""Rule-file section `mappers`: an ordered list of cleaning steps.

mappers:
  - strip                                   # a mapper by name, default params
  - mapper: collapse_punctuation            # or with params
    params: {max_repeat: 3}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from winnow.curation.mappers.registry import registered_mappers
from winnow.curation.rulefile.params import validate_params
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section

_ENTRY_KEYS = ("mapper", "params")


@dataclass(frozen=True)
class MapperStep:
    mapper: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MappersConfig:
    steps: tuple[MapperStep, ...] = ()

    def to_raw(self) -> list[dict[str, Any]]:
        return [{"mapper": s.mapper, "params": dict(s.params)} for s in self.steps]


def _parse_step(entry: Any, place: str, problems: Problems) -> MapperStep | None:
    known = registered_mappers()
    if isinstance(entry, str):
        entry = {"mapper": entry}
    if not isinstance(entry, dict):
        problems.add(place, f"must be a mapper name or a mapping with `mapper:`, got {entry!r}")
        return None
    for key in entry:
        if key not in _ENTRY_KEYS:
            problems.unknown(f"{place}.{key}", str(key), _ENTRY_KEYS)
    name = entry.get("mapper")
    if not isinstance(name, str):
        problems.add(f"{place}.mapper", "missing: name the mapper (see `winnow rules list`)")
        return None
    if name not in known:
        problems.unknown(f"{place}.mapper", name, known, what="mapper")
        return None
    spec = known[name]
    params = validate_params(spec.function, spec.params, entry.get("params"), f"{place}.params", problems)
    return MapperStep(mapper=name, params=params)


@section("mappers")
def parse_mappers(raw: Any, place: str, problems: Problems) -> MappersConfig:
    if raw is None:
        return MappersConfig()
    if not isinstance(raw, list):
        problems.add(place, f"must be a list of mappers, got {type(raw).__name__}")
        return MappersConfig()
    steps = [_parse_step(entry, f"{place}[{i}]", problems) for i, entry in enumerate(raw)]
    return MappersConfig(steps=tuple(s for s in steps if s is not None))
