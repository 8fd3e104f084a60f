"""Load a rule file: YAML → (extends resolved) → every section parsed by its registered parser.

    rules = load_rule_file("rules/default.yaml")   # raises ConfigError listing every problem at once
    rules.sections["checks"]                          # the typed config of one section

Nothing here reads data: a rule file is fully validated before the first input row is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from winnow.curation.errors import ConfigError
from winnow.curation.rulefile.bounded_yaml import load_yaml, yaml_problem
from winnow.curation.rulefile.extends import merge, resolve_parent
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import load_all_sections

MAX_EXTENDS_DEPTH = 8


@dataclass(frozen=True)
class RuleFile:
    """A validated rule file: where it came from, the merged YAML and the parsed sections."""

    source: str
    raw: dict[str, Any]
    sections: dict[str, Any] = field(default_factory=dict)

    def resolved(self) -> dict[str, Any]:
        """The rule file as it ran: sections whose config knows `to_raw()` write every default out."""
        out: dict[str, Any] = {}
        for name, value in self.raw.items():
            config = self.sections.get(name)
            to_raw = getattr(config, "to_raw", None)
            out[name] = to_raw() if callable(to_raw) else value
        return out

    def resolved_yaml(self) -> str:
        header = f"# resolved from {self.source}: extends applied, every default written out\n"
        return header + yaml.safe_dump(self.resolved(), allow_unicode=True, sort_keys=False, width=110)


def _read_yaml(path: Path, problems: Problems) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        problems.add("", f"cannot read rule file: {error.strerror or error}")
        return None
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as error:
        where, message = yaml_problem(error)
        if str(path) != problems.source:  # a parent named by `extends`
            where = f"{path}, {where}" if where else str(path)
        problems.add(where, message)
        return None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("", f"a rule file is a mapping of sections, got {type(raw).__name__}")
        return None
    return raw


def read_merged(path: Path, problems: Problems, depth: int = 0) -> dict[str, Any] | None:
    """The raw mapping of `path` with its `extends` chain applied."""
    raw = _read_yaml(path, problems)
    if raw is None:
        return None
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        return raw
    if not isinstance(parent_name, str):
        problems.add("extends", f"must be a rule file name or path, got {parent_name!r}")
        return raw
    if depth >= MAX_EXTENDS_DEPTH:
        problems.add("extends", f"chain deeper than {MAX_EXTENDS_DEPTH} files (a cycle?)")
        return raw
    parent_path = resolve_parent(parent_name, path)
    if parent_path is None:
        problems.add("extends", f"no shipped rule file or file next to {path.name} named {parent_name!r}")
        return raw
    if parent_path.resolve() == path.resolve():
        problems.add("extends", "a rule file cannot extend itself")
        return raw
    parent = read_merged(parent_path, problems, depth + 1)
    return merge(parent or {}, raw, parent_path.name)


def parse_sections(raw: dict[str, Any], problems: Problems) -> dict[str, Any]:
    parsers = load_all_sections()
    sections: dict[str, Any] = {}
    for name, value in raw.items():
        parser = parsers.get(name)
        if parser is None:
            problems.unknown(str(name), str(name), [*parsers, "extends"], what="section")
            continue
        sections[name] = parser(value, name, problems)
    return sections


def parse_rules(raw: dict[str, Any], source: str = "<rules>") -> RuleFile:
    """Validate an in-memory rule mapping (no `extends`); raises ConfigError with every problem."""
    problems = Problems(source)
    sections = parse_sections(dict(raw), problems)
    problems.raise_if_any()
    return RuleFile(source=source, raw=dict(raw), sections=sections)


def load_rule_file(path: str | Path) -> RuleFile:
    """Read, merge (`extends`) and validate a rule file; raises ConfigError listing every problem."""
    path = Path(path)
    problems = Problems(str(path))
    if not path.is_file():
        raise ConfigError(str(path), ["rule file not found"])
    raw = read_merged(path, problems)
    problems.raise_if_any()
    sections = parse_sections(raw or {}, problems)
    problems.raise_if_any()
    return RuleFile(source=str(path), raw=raw or {}, sections=sections)
