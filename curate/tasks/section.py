"""The `tasks` rule-file section: where task labels come from.

tasks:
  from_data: true          # trust labels the data carries (Dolly category, MT-Bench category, ...)
  classifier: true         # else the built-in zh+en rule classifier (false: such rows get `other`)
  min_confidence: 0.0      # classifier answers below this become `other`
  label_map: {qa_pairs: open_qa}   # extra data labels -> task
  overrides:               # regex or keywords -> task (see winnow.curation.tasks.overrides)
    - {task: code, pattern: "(?i)leetcode"}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section
from winnow.curation.tasks import parsing
from winnow.curation.tasks.labels import TASKS
from winnow.curation.tasks.overrides import Override, keywords_pattern

OVERRIDE_FIELDS: Final = ("instruction", "input", "response", "system", "all_text")
_KEYS: Final = ("from_data", "classifier", "min_confidence", "label_map", "overrides")
_OVERRIDE_KEYS: Final = ("task", "pattern", "keywords", "field", "replace_data")


@dataclass(frozen=True)
class TasksConfig:
    from_data: bool = True
    classifier: bool = True
    min_confidence: float = 0.0
    label_map: tuple[tuple[str, str], ...] = ()
    overrides: tuple[Override, ...] = ()


def regex_problem(pattern: str) -> str | None:
    """Why Polars (Rust regex) rejects `pattern`, or None when it compiles."""
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.PolarsError as error:
        return " ".join(line.strip() for line in str(error).splitlines() if line.strip())[:240]
    return None


def _task(raw: Any, place: str, problems: Problems) -> str | None:
    if not isinstance(raw, str) or raw not in TASKS:
        problems.unknown(place, str(raw), TASKS, what="task")
        return None
    return raw


def _override(raw: Any, place: str, problems: Problems) -> Override | None:
    body = parsing.mapping(raw, place, problems, _OVERRIDE_KEYS)
    if not body:
        if raw is not None and isinstance(raw, dict):
            problems.add(place, "an override needs `task` and `pattern` or `keywords`")
        return None
    task = _task(body.get("task"), f"{place}.task", problems)
    field = parsing.choice(body.get("field"), f"{place}.field", problems, OVERRIDE_FIELDS, "instruction")
    replace = parsing.boolean(body.get("replace_data"), f"{place}.replace_data", problems, False)
    pattern: str | None = None
    if ("pattern" in body) == ("keywords" in body):
        problems.add(place, "give exactly one of `pattern` (a regex) or `keywords` (a list of strings)")
    elif "pattern" in body:
        pattern = parsing.string(body["pattern"], f"{place}.pattern", problems)
        why = regex_problem(pattern) if pattern else None
        if why:
            problems.add(f"{place}.pattern", f"not a valid regex (Rust syntax, no look-around): {why}")
            pattern = None
    else:
        keywords = body["keywords"]
        if (
            not isinstance(keywords, list)
            or not keywords
            or not all(isinstance(k, str) and k for k in keywords)
        ):
            problems.add(f"{place}.keywords", "must be a non-empty list of non-empty strings")
        else:
            pattern = keywords_pattern(keywords)
    if task is None or pattern is None:
        return None
    return Override(task=task, pattern=pattern, field=field, replace_data=replace)


@section("tasks")
def parse_tasks(raw: Any, place: str, problems: Problems) -> TasksConfig:
    body = parsing.mapping(raw, place, problems, _KEYS)
    label_map: list[tuple[str, str]] = []
    raw_map = parsing.mapping(body.get("label_map"), f"{place}.label_map", problems)
    for key, value in raw_map.items():
        task = _task(value, f"{place}.label_map.{key}", problems)
        if task is not None:
            label_map.append((str(key), task))
    overrides: list[Override] = []
    raw_overrides = body.get("overrides")
    if raw_overrides is not None and not isinstance(raw_overrides, list):
        problems.add(f"{place}.overrides", "must be a list of {task, pattern | keywords, field} mappings")
    for index, item in enumerate(raw_overrides or []):
        override = _override(item, f"{place}.overrides[{index}]", problems)
        if override is not None:
            overrides.append(override)
    return TasksConfig(
        from_data=parsing.boolean(body.get("from_data"), f"{place}.from_data", problems, True),
        classifier=parsing.boolean(body.get("classifier"), f"{place}.classifier", problems, True),
        min_confidence=parsing.number(
            body.get("min_confidence"), f"{place}.min_confidence", problems, 0.0, 0.0, 1.0
        )
        or 0.0,
        label_map=tuple(label_map),
        overrides=tuple(overrides),
    )
