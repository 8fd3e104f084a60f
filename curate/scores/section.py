"""The `model_scores` rule-file section: score replies with the causal LM to be trained (off unless present).

model_scores:
  model: models/my-base        # required: a local Hugging Face causal LM folder (what `winnow train --model` gets)
  template: auto               # chat template as in `winnow shard --template` (auto = the tokenizer's own)
  max_len: 2048                # longer conversations are not scored (capped by the model's context length)
  max_tokens: 8192             # padded tokens per forward batch
  device: auto                 # auto (a GPU when present) | cpu | cuda
  max_ifd: 1.0                 # rule `prompt_does_not_help`: fails when ifd >= max_ifd
  action: flag                 # flag (default: its precision is not measured yet) | drop
  quality_score: true          # also write quality_score = ifd where ifd < max_ifd (dedup's keep: best_quality)

Adds `loss_with_prompt`, `loss_without_prompt` and `ifd` (winnow.curation.scores.ifd). With
`quality_score: true`, `quality_score` is the IFD of rows below max_ifd (a harder instruction the reply still
follows is worth more, Li et al.) and null above it, so `dedup.keep: best_quality` keeps such a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from winnow.curation.rulefile.action import parse_action
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section
from winnow.curation.shard.templates import TEMPLATE_NAMES
from winnow.curation.tasks import parsing

_KEYS: Final = ("model", "template", "max_len", "max_tokens", "device", "max_ifd", "action", "quality_score")
DEVICES: Final = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class ModelScoresConfig:
    model: str
    template: str = "auto"
    max_len: int = 2048
    max_tokens: int = 8192
    device: str = "auto"
    max_ifd: float = 1.0
    action: str = "flag"
    quality_score: bool = True


@section("model_scores")
def parse_model_scores(raw: Any, place: str, problems: Problems) -> ModelScoresConfig | None:
    body = parsing.mapping(raw, place, problems, _KEYS)
    needed = "needs a local causal LM folder (config.json, weights, tokenizer)"
    model = parsing.folder(body.get("model"), f"{place}.model", problems, needed=needed)
    config = ModelScoresConfig(
        model=model or "",
        template=parsing.choice(body.get("template"), f"{place}.template", problems, TEMPLATE_NAMES, "auto"),
        max_len=parsing.integer(body.get("max_len"), f"{place}.max_len", problems, 2048, 8) or 2048,
        max_tokens=parsing.integer(body.get("max_tokens"), f"{place}.max_tokens", problems, 8192, 1) or 8192,
        device=parsing.choice(body.get("device"), f"{place}.device", problems, DEVICES, "auto"),
        max_ifd=parsing.number(body.get("max_ifd"), f"{place}.max_ifd", problems, 1.0, 0.0) or 1.0,
        action=parse_action(body.get("action"), f"{place}.action", problems, default="flag"),
        quality_score=parsing.boolean(body.get("quality_score"), f"{place}.quality_score", problems, True),
    )
    return config if model else None
