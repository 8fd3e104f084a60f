"""The pipeline file: the whole job in one YAML file, validated at once before anything runs.

    inputs: [data/*.jsonl, data/alpaca_en.json]   # files, folders or globs; relative to the pipeline file
    format: null                                  # force one input format (default: detected per row)
    rules: default                                # a shipped rule file name, or a path
    engine: local                                 # or ray: curate on a Ray cluster (winnow[ray])
    work_dir: runs/example                        # every stage writes under it
    profile: {enabled: true, tokenizer: null}
    export: {formats: [alpaca, sharegpt], file_format: jsonl}
    shard: {tokenizer: demo, template: auto, max_len: 512}
    train: {enabled: true, model: demo, config: null, overrides: {max_steps: 200}}
    select: {budget: 500}                         # optional: the rule file's `select`, tried from here
                                                  # (winnow.curation.pipeline.selection)

`demo` as tokenizer or model means the tiny tokenizer and Llama built from the pipeline's own inputs
(winnow.curation.example.tiny_model), so the example trains with no download.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from winnow.curation.errors import ConfigError
from winnow.curation.rulefile.bounded_yaml import load_yaml, yaml_problem
from winnow.curation.rulefile.problems import Problems

TOP_LEVEL = (
    "inputs",
    "format",
    "rules",
    "engine",
    "work_dir",
    "profile",
    "export",
    "shard",
    "train",
    "select",
)


@dataclass(frozen=True)
class ProfileSettings:
    enabled: bool = True
    tokenizer: str | None = None


@dataclass(frozen=True)
class ExportSettings:
    enabled: bool = True
    formats: tuple[str, ...] = ("alpaca",)
    file_format: str = "jsonl"


@dataclass(frozen=True)
class ShardSettings:
    enabled: bool = True
    tokenizer: str = "demo"
    template: str = "auto"
    max_len: int = 1024


@dataclass(frozen=True)
class TrainSettings:
    enabled: bool = True
    model: str = "demo"
    config: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineConfig:
    path: Path
    inputs: tuple[str, ...]
    format: str | None
    rules: str
    work_dir: Path
    profile: ProfileSettings
    export: ExportSettings
    shard: ShardSettings
    train: TrainSettings
    engine: str = "local"  # winnow.curation.run_curate.ENGINES
    select: dict[str, Any] | None = None  # a rule-file `select` section (validated), folders made absolute

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def resolve(self, value: str) -> str:
        """A path from the file, made absolute against the pipeline file's folder (names like `demo` stay)."""
        candidate = self.base_dir / value
        return str(candidate) if ("/" in value or candidate.exists() or value.startswith(".")) else value


def _section(raw: dict[str, Any], name: str, cls: type, problems: Problems) -> Any:
    value = raw.get(name) or {}
    if not isinstance(value, dict):
        problems.add(name, f"must be a mapping, got {type(value).__name__}")
        return cls()
    known = {f.name: f for f in fields(cls)}
    clean: dict[str, Any] = {}
    for key, item in value.items():
        if key not in known:
            problems.unknown(f"{name}.{key}", key, known)
            continue
        default = known[key].default
        if isinstance(default, bool) and not isinstance(item, bool):
            problems.add(f"{name}.{key}", f"must be true or false, got {item!r}")
        elif (
            isinstance(default, int)
            and not isinstance(default, bool)
            and (not isinstance(item, int) or item <= 0)
        ):
            problems.add(f"{name}.{key}", f"must be a positive integer, got {item!r}")
        elif key == "formats":
            items = [item] if isinstance(item, str) else item
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                problems.add(f"{name}.{key}", "must be a format name or a list of them")
            else:
                clean[key] = tuple(items)
            continue
        elif key == "overrides" and not isinstance(item, dict):
            problems.add(f"{name}.{key}", "must be a mapping of train config keys to values")
        clean[key] = item
    if name == "export" and clean.get("file_format", "jsonl") not in ("jsonl", "json"):
        problems.add("export.file_format", f"must be jsonl or json, got {clean['file_format']!r}")
    return cls(**clean)


def _select(raw: Any, base_dir: Path, problems: Problems) -> dict[str, Any] | None:
    """The pipeline's `select`, checked as the rule-file section is (places read `select.budget`)."""
    from winnow.curation.rulefile.load import parse_sections

    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add("select", f"must be a mapping like {{budget: 500}}, got {type(raw).__name__}")
        return None
    select = dict(raw)
    if isinstance(select.get("model"), str):  # the diversity encoder, relative to the pipeline file
        select["model"] = str((base_dir / select["model"]).resolve())
    parse_sections({"select": select}, problems)
    return select


def load_pipeline(path: str | Path) -> PipelineConfig:
    """Read and validate a pipeline file; every problem is reported at once (ConfigError)."""
    path = Path(path).resolve()
    problems = Problems(str(path))
    if not path.is_file():
        raise ConfigError(str(path), ["file not found"])
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        where, message = yaml_problem(error)
        raise ConfigError(str(path), [f"{where}: {message}" if where else message]) from error
    if not isinstance(raw, dict):
        raise ConfigError(str(path), ["the top level must be a mapping"])
    for key in raw:
        if key not in TOP_LEVEL:
            problems.unknown(str(key), str(key), TOP_LEVEL)
    inputs = raw.get("inputs")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not inputs or not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        problems.add("inputs", "must be a non-empty list of files, folders or globs")
        inputs = []
    rules = raw.get("rules", "default")
    if not isinstance(rules, str):
        problems.add("rules", "must be a shipped rule file name or a path")
        rules = "default"
    engine = raw.get("engine", "local")
    if engine not in ("local", "ray"):
        problems.add("engine", f"must be local or ray, got {engine!r}")
        engine = "local"
    config = PipelineConfig(
        path=path,
        inputs=tuple(inputs),
        format=raw.get("format"),
        rules=rules,
        work_dir=(path.parent / str(raw.get("work_dir", "runs/pipeline"))).resolve(),
        profile=_section(raw, "profile", ProfileSettings, problems),
        export=_section(raw, "export", ExportSettings, problems),
        shard=_section(raw, "shard", ShardSettings, problems),
        train=_section(raw, "train", TrainSettings, problems),
        engine=engine,
        select=_select(raw.get("select"), path.parent, problems),
    )
    problems.raise_if_any()
    return config
