"""Rule-file section `checks`: an ordered list of named rules, each one registered check with params.

    checks:
      - check: max_special_char_ratio      # a name from `winnow rules list`
        name: response_symbols            # optional; the reason string (defaults to the check name)
        field: response                   # instruction | input | response | system | messages | all_text
        params: {max_ratio: 0.3}          # validated against the check function's signature
        action: drop                      # drop (the default) | flag: keep the row, list it in flagged_rules
        enabled: true                     # false (a real boolean) turns the rule off

File order matters: a row's `drop_reason` is its first failing rule whose action is `drop`. Text checks
default to `field: all_text`; row checks take no field. Every problem of an entry is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import polars as pl

from winnow.curation.checks.registry import CheckSpec, registered_checks
from winnow.curation.record import FIELDS, frame_from_rows
from winnow.curation.rulefile.action import DEFAULT_ACTION, parse_action
from winnow.curation.rulefile.extends import ORIGIN_KEY
from winnow.curation.rulefile.params import validate_params
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section

_ENTRY_KEYS = ("check", "name", "field", "params", "action", "enabled")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")
DEFAULT_FIELD = "all_text"
# Whether parsing a rule builds it on a sample row (so a bad regex fails at load): off only inside
# `settings_only`, for a shipped rule file read for its settings alone (tests build every shipped file).
_PROBE_BUILD: ContextVar[bool] = ContextVar("winnow_checks_probe_build", default=True)


@contextmanager
def settings_only() -> Iterator[None]:
    """Parse check entries without building them (about 35 ms a rule saved): for a trusted rule file whose
    resolved settings are all that is wanted (the run report's precision column reads the default rules)."""
    token = _PROBE_BUILD.set(False)
    try:
        yield
    finally:
        _PROBE_BUILD.reset(token)


@dataclass(frozen=True)
class RuleConfig:
    """One validated rule: its name (the reason string), check, field (None for row checks), full params,
    and what a failure does (`action`: drop or flag; it changes no metric, so no cached value either)."""

    name: str
    check: str
    field: str | None
    params: dict[str, Any] = dataclass_field(default_factory=dict)
    action: str = DEFAULT_ACTION

    def to_raw(self) -> dict[str, Any]:
        raw: dict[str, Any] = {"check": self.check, "name": self.name}
        if self.field is not None:
            raw["field"] = self.field
        raw["params"] = dict(self.params)
        raw["action"] = self.action
        return raw


@dataclass(frozen=True)
class ChecksConfig:
    rules: tuple[RuleConfig, ...] = ()

    def flagged(self) -> frozenset[str]:
        """Names of the rules whose action is `flag`."""
        return frozenset(rule.name for rule in self.rules if rule.action == "flag")

    def to_raw(self) -> list[dict[str, Any]]:
        return [rule.to_raw() for rule in self.rules]


def _sample_frame() -> pl.DataFrame:
    """One small but complete row to build every check on, so that bad regexes fail at load time."""
    return frame_from_rows(
        [
            {
                "id": "sample",
                "kind": "sft",
                "system": "You are helpful.",
                "messages": [
                    {"role": "user", "content": "Say hello 你好"},
                    {"role": "assistant", "content": "Hello! 你好！ https://example.com <b>x</b>"},
                ],
                "input": "",
            }
        ]
    )


def try_build(spec: CheckSpec, field_name: str | None, params: dict[str, Any]) -> str | None:
    """Build the rule and evaluate it on a sample row; the error text if that fails (e.g. a bad regex).

    A rule whose expressions call a compiled kernel (a Python callback) is built but not evaluated: its
    parameters are numbers and switches, typed and ranged by validate_params (the one check taking patterns,
    blocklist, is plain Polars and is evaluated), and evaluating it here would load every kernel the rule file
    uses (~0.5 CPU-s from numba's cache, ~10 s of compiling on the first run after an install) in the main
    thread before any input is read, where winnow.curation.kernels.warm_up loads them in the background.
    """
    from winnow.curation.checks.engine import build_rule  # the engine imports this module's RuleConfig
    from winnow.curation.kernels.warm_up import calls_python

    try:
        built = build_rule(RuleConfig(name="probe", check=spec.name, field=field_name, params=params))
        exprs = [built.fails.alias("f")]
        if built.metric is not None:
            exprs.append(built.metric.alias("m"))
        if built.span is not None:
            exprs.append(built.span.alias("s"))
        if not any(calls_python(expr) for expr in exprs):
            _sample_frame().select(exprs)
    except Exception as error:  # any build/compute failure is a configuration problem here
        return f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"
    return None


def _parse_rule(entry: Any, place: str, problems: Problems) -> RuleConfig | None:
    """The entry's rule, or None when it is disabled or wrong; every problem of the entry is reported (an
    unknown key, a bad field and a bad parameter together), not only the first."""
    checks = registered_checks()
    if not isinstance(entry, dict):
        problems.add(place, f"must be a mapping with `check:`, got {entry!r}")
        return None
    if ORIGIN_KEY in entry:  # merged through `extends`: report at the place in the file that wrote it
        entry = dict(entry)
        place = str(entry.pop(ORIGIN_KEY))
    for key in entry:
        if key not in _ENTRY_KEYS:
            problems.unknown(f"{place}.{key}", str(key), _ENTRY_KEYS)
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):  # `enabled: "false"` (a string) must not leave the rule on silently
        problems.add(f"{place}.enabled", f"must be true or false (unquoted), got {enabled!r}")
    action = parse_action(entry.get("action"), f"{place}.action", problems)
    if enabled is False:
        return None
    check_name = entry.get("check")
    spec: CheckSpec | None = None
    if not isinstance(check_name, str):
        problems.add(f"{place}.check", "missing: name a check (see `winnow rules list`)")
    elif check_name not in checks:
        problems.unknown(f"{place}.check", check_name, checks, what="check")
    else:
        spec = checks[check_name]
    name = entry.get("name", check_name)
    named = "name" in entry or isinstance(check_name, str)
    valid_name = isinstance(name, str) and bool(_NAME_PATTERN.match(name))
    if named and not valid_name:
        problems.add(
            f"{place}.name", f"must be letters, digits, _ . : - (it becomes a column name), got {name!r}"
        )
    field_name = entry.get("field")
    if spec is None or spec.scope == "text":
        field_name = DEFAULT_FIELD if field_name is None else field_name
        if field_name not in FIELDS:
            problems.unknown(f"{place}.field", str(field_name), FIELDS, what="field")
    elif field_name is not None:
        problems.add(f"{place}.field", f"check {check_name!r} looks at whole rows and takes no field")
        field_name = None
    if spec is None:
        if entry.get("params") is not None and not isinstance(entry.get("params"), dict):
            problems.add(f"{place}.params", "must be a mapping of parameter names to values")
        return None
    before_params = len(problems.items)
    params = validate_params(spec.function, spec.params, entry.get("params"), f"{place}.params", problems)
    buildable = len(problems.items) == before_params and field_name in (*FIELDS, None)
    if buildable and _PROBE_BUILD.get() and (error := try_build(spec, field_name, params)) is not None:
        problems.add(f"{place}.params", f"check cannot be built with these params: {error}")
    if not isinstance(name, str) or not valid_name:
        return None
    # with a problem above the file is rejected; the rule is still returned so a duplicate name is reported too
    return RuleConfig(name=name, check=spec.name, field=field_name, params=params, action=action)


@section("checks")
def parse_checks(raw: Any, place: str, problems: Problems) -> ChecksConfig:
    if raw is None:
        return ChecksConfig()
    if not isinstance(raw, list):
        problems.add(place, f"must be a list of rules, got {type(raw).__name__}")
        return ChecksConfig()
    rules: list[RuleConfig] = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(raw):
        entry_place = (
            str(entry.get(ORIGIN_KEY, f"{place}[{i}]")) if isinstance(entry, dict) else f"{place}[{i}]"
        )
        rule = _parse_rule(entry, f"{place}[{i}]", problems)
        if rule is None:
            continue
        if rule.name in seen:
            problems.add(
                f"{entry_place}.name",
                f"duplicate rule name {rule.name!r} (also {seen[rule.name]}); give one a different `name:`",
            )
            continue
        seen[rule.name] = entry_place
        rules.append(rule)
    return ChecksConfig(rules=tuple(rules))
