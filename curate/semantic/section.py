"""The `semantic_dedup` rule-file section: duplicates by meaning (off unless present: it needs an encoder).

semantic_dedup:
  model: models/all-MiniLM-L6-v2   # required: a local encoder folder (sentence-transformers or plain HF)
  key: conversation                # what is compared, as in `dedup.key`
  threshold: 0.9                   # cosine of the two keys' embeddings
  keep: longest_response           # as in `dedup.keep`
  source_priority: []              # globs, most preferred first (keep: source_priority)
  part_size: 20000                 # beyond this many rows, pairs are searched inside k-means parts
  max_tokens: 16384                # padded tokens per encoder batch
  device: auto                     # auto (a GPU when present) | cpu | cuda
  action: flag                     # flag (default: precision < 0.9 on MRPC/STS dev, bench/semantic.py) | drop

Threshold 0.9 with all-MiniLM-L6-v2 (bench/results/semantic.md): on MRPC dev 88% of the pairs it joins are
paraphrases; on STS 2012-2014 dev 81% have a similarity score of 4 or more. On hand-read real rows
(bench/results/precision.md: 13 English sources, key conversation, prompt and reply each at 0.9), 50 of 74
flags were copies a curator drops (0.68, 95% Wilson 0.56-0.77; 19 borderline: same prompt, partly the same
answer); when prompt and reply were one text, 14 of 40 (0.35). Below the 0.9 precision the rule-file guidance
asks of a dropping rule, so it flags by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from winnow.curation.dedup.config import KEEP_POLICIES, KEYS
from winnow.curation.rulefile.action import parse_action
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section
from winnow.curation.tasks import parsing

_KEYS: Final = (
    "model",
    "key",
    "threshold",
    "keep",
    "source_priority",
    "part_size",
    "max_tokens",
    "device",
    "action",
)
DEVICES: Final = ("auto", "cpu", "cuda")
DEFAULT_THRESHOLD: Final = 0.9


@dataclass(frozen=True)
class SemanticDedupConfig:
    model: str
    key: str = "conversation"
    threshold: float = DEFAULT_THRESHOLD
    keep: str = "longest_response"
    source_priority: tuple[str, ...] = ()
    part_size: int = 20000
    max_tokens: int = 16384
    device: str = "auto"
    action: str = "flag"


@section("semantic_dedup")
def parse_semantic_dedup(raw: Any, place: str, problems: Problems) -> SemanticDedupConfig | None:
    body = parsing.mapping(raw, place, problems, _KEYS)
    model = parsing.folder(
        body.get("model"),
        f"{place}.model",
        problems,
        needed="needs a local encoder folder (e.g. all-MiniLM-L6-v2)",
    )
    globs = body.get("source_priority") or []
    if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
        problems.add(f"{place}.source_priority", "must be a list of glob strings")
        globs = []
    threshold = parsing.number(
        body.get("threshold"), f"{place}.threshold", problems, DEFAULT_THRESHOLD, 0.0, 1.0
    )
    config = SemanticDedupConfig(
        model=model or "",
        key=parsing.choice(body.get("key"), f"{place}.key", problems, KEYS, "conversation"),
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        keep=parsing.choice(body.get("keep"), f"{place}.keep", problems, KEEP_POLICIES, "longest_response"),
        source_priority=tuple(globs),
        part_size=parsing.integer(body.get("part_size"), f"{place}.part_size", problems, 20000, 2) or 20000,
        max_tokens=parsing.integer(body.get("max_tokens"), f"{place}.max_tokens", problems, 16384, 1)
        or 16384,
        device=parsing.choice(body.get("device"), f"{place}.device", problems, DEVICES, "auto"),
        action=parse_action(body.get("action"), f"{place}.action", problems, default="flag"),
    )
    return config if model else None
