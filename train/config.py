"""The train config: one small dataclass per concern, read from YAML plus `key=value` overrides.

    cfg = load_config(Path("train.yaml"), ["lora.r=8", "optim.lr=1e-4"])

Every problem (unknown key with a "did you mean", wrong type, value out of range, option the machine
cannot honour) is collected and raised at once as one ConfigError, before any model is loaded.
The defaults and why they were chosen are documented in train/README.md and train/configs/default.yaml.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from winnow.curation.rulefile.bounded_yaml import load_yaml, yaml_problem
from winnow.curation.rulefile.problems import Problems

DTYPES = ("auto", "bf16", "fp32")
ATTENTION = ("auto", "sdpa", "eager", "flash_attention_2")
SCHEDULES = ("cosine", "linear", "constant")
QUANTIZE = ("none", "4bit")


@dataclass
class ModelConfig:
    dtype: str = "auto"
    attn_implementation: str = "auto"
    gradient_checkpointing: bool = False
    trust_remote_code: bool = False


@dataclass
class LoraConfig:
    r: int = 16
    alpha: int = 16
    dropout: float = 0.0
    target_modules: list[str] = field(default_factory=lambda: ["all-linear"])
    use_rslora: bool = False
    use_dora: bool = False
    quantize: str = "none"


@dataclass
class DataConfig:
    train_split: str = "train"
    eval_split: str = "val"
    max_tokens: int = 4096
    max_rows: int = 0
    packing: bool = False
    pack_length: int = 0
    pack_window: int = 2048
    sort_window: int = 1024
    shuffle: bool = True


@dataclass
class OptimConfig:
    lr: float = 2e-4
    weight_decay: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    max_grad_norm: float = 1.0
    grad_accum: int = 1


@dataclass
class ScheduleConfig:
    kind: str = "cosine"
    warmup_ratio: float = 0.03
    warmup_steps: int = 0
    min_lr_ratio: float = 0.0


@dataclass
class LoopConfig:
    epochs: int = 1
    max_steps: int = 0
    eval_every: int = 100
    save_every: int = 100
    eval_max_batches: int = 0
    seed: int = 42


@dataclass
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    loop: LoopConfig = field(default_factory=LoopConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


SECTIONS: dict[str, Any] = get_type_hints(TrainConfig)


def parse_override(text: str) -> tuple[list[str], Any]:
    """`lora.r=8` -> (["lora", "r"], 8); the value is read as YAML so numbers, bools and lists type."""
    if "=" not in text:
        raise ValueError(f"override {text!r} is not key=value (e.g. lora.r=8)")
    key, raw = text.split("=", 1)
    try:
        value = load_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError as error:
        raise ValueError(f"override {text!r}: {yaml_problem(error)[1]}") from error
    return key.strip().split("."), value


def load_config(path: Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    """Read YAML (optional), apply overrides, validate everything; raise ConfigError with all problems."""
    source = str(path) if path else "train config"
    problems = Problems(source)
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = load_yaml(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            problems.add("", f"cannot read: {error.strerror or error}")
            problems.raise_if_any()
        except yaml.YAMLError as error:
            problems.add(*yaml_problem(error))
            problems.raise_if_any()
        if loaded is not None and not isinstance(loaded, dict):
            problems.add("", "the top level must be a mapping of sections (model, lora, data, ...)")
            problems.raise_if_any()
        raw = loaded or {}
    for text in overrides:
        try:
            keys, value = parse_override(text)
        except ValueError as error:
            problems.add("override", str(error))
            continue
        if len(keys) != 2:
            problems.add(f"override {text!r}", "key must be section.name (e.g. lora.r=8)")
            continue
        section = raw.setdefault(keys[0], {})
        if isinstance(section, dict):
            section[keys[1]] = value
    config = _build(raw, problems)
    validate(config, problems)
    problems.raise_if_any()
    return config


def _build(raw: dict[str, Any], problems: Problems) -> TrainConfig:
    config = TrainConfig()
    for section_name, section_value in raw.items():
        if section_name not in SECTIONS:
            problems.unknown("", str(section_name), SECTIONS, what="section")
            continue
        if not isinstance(section_value, dict):
            problems.add(section_name, "must be a mapping of key: value")
            continue
        section = getattr(config, section_name)
        hints = get_type_hints(type(section))
        for key, value in section_value.items():
            place = f"{section_name}.{key}"
            if key not in hints:
                problems.unknown(section_name, str(key), hints)
                continue
            coerced = _coerce(value, hints[key], place, problems)
            if coerced is not None:
                setattr(section, key, coerced)
    return config


def _coerce(value: Any, hint: Any, place: str, problems: Problems) -> Any:
    """Strict typing: an int where a float is wanted is fine; "yes" where a bool is wanted is not."""
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads 2e-4 (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
    elif hint is str:
        if isinstance(value, str):
            return value
    elif hint == list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return value
    name = getattr(hint, "__name__", str(hint))
    problems.add(place, f"must be {name}, got {value!r}")
    return None


def _choice(problems: Problems, place: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        problems.unknown(place, value, choices, what="value")


def validate(cfg: TrainConfig, problems: Problems) -> None:
    """Ranges, choices and what this machine can do: checked before anything heavy happens."""
    _choice(problems, "model.dtype", cfg.model.dtype, DTYPES)
    _choice(problems, "model.attn_implementation", cfg.model.attn_implementation, ATTENTION)
    _choice(problems, "schedule.kind", cfg.schedule.kind, SCHEDULES)
    _choice(problems, "lora.quantize", cfg.lora.quantize, QUANTIZE)
    positive = {
        "lora.r": cfg.lora.r,
        "lora.alpha": cfg.lora.alpha,
        "data.max_tokens": cfg.data.max_tokens,
        "data.pack_window": cfg.data.pack_window,
        "data.sort_window": cfg.data.sort_window,
        "optim.lr": cfg.optim.lr,
        "optim.grad_accum": cfg.optim.grad_accum,
        "loop.epochs": cfg.loop.epochs,
        "loop.eval_every": cfg.loop.eval_every,
        "loop.save_every": cfg.loop.save_every,
    }
    for place, value in positive.items():
        if value <= 0:
            problems.add(place, f"must be > 0, got {value}")
    non_negative = {
        "data.max_rows": cfg.data.max_rows,
        "data.pack_length": cfg.data.pack_length,
        "optim.weight_decay": cfg.optim.weight_decay,
        "optim.max_grad_norm": cfg.optim.max_grad_norm,
        "schedule.warmup_steps": cfg.schedule.warmup_steps,
        "loop.max_steps": cfg.loop.max_steps,
        "loop.eval_max_batches": cfg.loop.eval_max_batches,
        "loop.seed": cfg.loop.seed,
    }
    for place, value in non_negative.items():
        if value < 0:
            problems.add(place, f"must be >= 0, got {value}")
    unit = {
        "lora.dropout": cfg.lora.dropout,
        "optim.beta1": cfg.optim.beta1,
        "optim.beta2": cfg.optim.beta2,
        "schedule.warmup_ratio": cfg.schedule.warmup_ratio,
        "schedule.min_lr_ratio": cfg.schedule.min_lr_ratio,
    }
    for place, value in unit.items():
        if not 0.0 <= value < 1.0 and not (place == "schedule.min_lr_ratio" and value == 1.0):
            problems.add(place, f"must be in [0, 1), got {value}")
    if cfg.data.pack_length > cfg.data.max_tokens:
        problems.add(
            "data.pack_length",
            f"must be <= data.max_tokens ({cfg.data.max_tokens}), got {cfg.data.pack_length}",
        )
    if cfg.lora.use_dora and cfg.lora.quantize != "none":
        problems.add("lora.use_dora", "DoRA with a 4-bit base is not supported here; pick one")
    if cfg.lora.quantize == "4bit":
        import torch

        if not torch.cuda.is_available():
            problems.add("lora.quantize", "4bit (QLoRA) needs a CUDA GPU; this machine has none")
        if importlib.util.find_spec("bitsandbytes") is None:
            problems.add("lora.quantize", "4bit (QLoRA) needs bitsandbytes: pip install bitsandbytes")
    if (
        cfg.model.attn_implementation == "flash_attention_2"
        and importlib.util.find_spec("flash_attn") is None
    ):
        problems.add(
            "model.attn_implementation", "flash_attention_2 is not installed (pip install flash-attn)"
        )
    if cfg.model.dtype == "bf16":
        import torch

        if torch.cuda.is_available() and not torch.cuda.is_bf16_supported():
            problems.add("model.dtype", "this GPU has no bf16; use fp32 or auto")
