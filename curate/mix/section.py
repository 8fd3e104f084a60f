"""The `mix` rule-file section.

mix:
  seed: 0                # which rows a cap keeps / which rows get the extra repeat (blake2b of seed + id)
  max_factor: 3          # no row is repeated more than this many times in training
  total: 50000           # target number of training copies (rows x repeats); null = as many as there are
  min_rows: 200          # a task with fewer copies is upsampled towards this (within max_factor)
  tasks:                 # per task: target weight (share among weighted tasks), cap (max rows)
    code: {weight: 2, cap: 10000}
    math: {weight: 1}
    other: {cap: 500}
  languages:             # language of `lang.<language_field>`; weights only ever drop rows (no upsampling)
    weights: {zh: 1, en: 1}
    caps: {ja: 1000}
  language_field: instruction
  sources:               # a key matches a source by its full path or its file name
    caps: {alpaca_en_demo.json: 500}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section
from winnow.curation.tasks import parsing
from winnow.curation.tasks.labels import TASKS

_KEYS: Final = ("seed", "max_factor", "total", "min_rows", "tasks", "languages", "language_field", "sources")
_TASK_KEYS: Final = ("weight", "cap")
_BALANCE_KEYS: Final = ("weights", "caps")


@dataclass(frozen=True)
class TaskMix:
    weight: float | None = None
    cap: int | None = None


@dataclass(frozen=True)
class Balance:
    """Downsample-only balance over the values of one column (a language, a source)."""

    weights: dict[str, float] = field(default_factory=dict)
    caps: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class MixConfig:
    seed: int = 0
    max_factor: int = 3
    total: int | None = None
    min_rows: int | None = None
    tasks: dict[str, TaskMix] = field(default_factory=dict)
    languages: Balance = field(default_factory=Balance)
    language_field: str = "instruction"
    sources: Balance = field(default_factory=Balance)


def _balance(raw: Any, place: str, problems: Problems) -> Balance:
    body = parsing.mapping(raw, place, problems, _BALANCE_KEYS)
    weights: dict[str, float] = {}
    for key, value in parsing.mapping(body.get("weights"), f"{place}.weights", problems).items():
        weight = parsing.number(value, f"{place}.weights.{key}", problems, None, 0.0)
        if weight is not None:
            weights[str(key)] = weight
    caps: dict[str, int] = {}
    for key, value in parsing.mapping(body.get("caps"), f"{place}.caps", problems).items():
        cap = parsing.integer(value, f"{place}.caps.{key}", problems, None, 0)
        if cap is not None:
            caps[str(key)] = cap
    return Balance(weights=weights, caps=caps)


def _tasks(raw: Any, place: str, problems: Problems) -> dict[str, TaskMix]:
    tasks: dict[str, TaskMix] = {}
    for name, value in parsing.mapping(raw, place, problems, TASKS).items():
        body = parsing.mapping(value, f"{place}.{name}", problems, _TASK_KEYS)
        weight = parsing.number(body.get("weight"), f"{place}.{name}.weight", problems, None, 0.0)
        cap = parsing.integer(body.get("cap"), f"{place}.{name}.cap", problems, None, 0)
        tasks[str(name)] = TaskMix(weight=weight, cap=cap)
    return tasks


@section("mix")
def parse_mix(raw: Any, place: str, problems: Problems) -> MixConfig:
    body = parsing.mapping(raw, place, problems, _KEYS)
    return MixConfig(
        seed=parsing.integer(body.get("seed"), f"{place}.seed", problems, 0) or 0,
        max_factor=parsing.integer(body.get("max_factor"), f"{place}.max_factor", problems, 3, 1) or 3,
        total=parsing.integer(body.get("total"), f"{place}.total", problems, None, 1),
        min_rows=parsing.integer(body.get("min_rows"), f"{place}.min_rows", problems, None, 1),
        tasks=_tasks(body.get("tasks"), f"{place}.tasks", problems),
        languages=_balance(body.get("languages"), f"{place}.languages", problems),
        language_field=parsing.string(body.get("language_field"), f"{place}.language_field", problems)
        or "instruction",
        sources=_balance(body.get("sources"), f"{place}.sources", problems),
    )
