"""How an encoder folder pools token vectors into one sentence vector, read from the folder itself.

A sentence-transformers folder lists its modules in modules.json: the Pooling module's folder holds
config.json with `pooling_mode_*` flags (cls, mean, max, mean_sqrt_len, lasttoken), a Normalize module means
the vectors are L2-normalized, and sentence_bert_config.json gives max_seq_length (sentence-transformers
truncates there, not at the model's position limit). A plain Hugging Face folder has none of these: mean
pooling over the attention mask, no normalization, truncation at the tokenizer's or model's limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from winnow.curation.errors import UsageError

# sentence-transformers' Pooling config key of each mode we compute
MODE_KEYS: Final = {
    "mean": "pooling_mode_mean_tokens",
    "cls": "pooling_mode_cls_token",
    "max": "pooling_mode_max_tokens",
    "mean_sqrt_len": "pooling_mode_mean_sqrt_len_tokens",
    "lasttoken": "pooling_mode_lasttoken",
}
MODES: Final = tuple(MODE_KEYS)


@dataclass(frozen=True)
class Pooling:
    mode: str = "mean"
    normalize: bool = False
    max_seq_length: int | None = None  # None: the tokenizer's / model's own limit


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error}") from error


def _mode(config: dict[str, Any], where: Path) -> str:
    on = [mode for mode, key in MODE_KEYS.items() if config.get(key)]
    if config.get("pooling_mode_weightedmean_tokens"):
        on.append("weightedmean")  # not computed here: refused below rather than pooled another way
    if len(on) != 1 or on[0] not in MODE_KEYS:
        raise UsageError(
            f"{where} must turn on exactly one pooling mode, found {on or 'none'}",
            hint=f"supported: {', '.join(MODES)}",
        )
    return on[0]


def read_pooling(folder: str | Path) -> Pooling:
    """The folder's pooling (sentence-transformers modules.json), or mean pooling for a plain HF folder."""
    root = Path(folder)
    modules_file = root / "modules.json"
    if not modules_file.is_file():
        return Pooling()
    modules = _read_json(modules_file)
    mode, normalize = "mean", False
    for module in modules if isinstance(modules, list) else []:
        kind = str(module.get("type", ""))
        if kind.endswith(".Pooling"):
            config_file = root / str(module.get("path", "")) / "config.json"
            mode = _mode(_read_json(config_file), config_file)
        elif kind.endswith(".Normalize"):
            normalize = True
    max_seq_length = None
    bert_config = root / "sentence_bert_config.json"
    if bert_config.is_file():
        value = _read_json(bert_config).get("max_seq_length")
        max_seq_length = int(value) if isinstance(value, int) else None
    return Pooling(mode, normalize, max_seq_length)
