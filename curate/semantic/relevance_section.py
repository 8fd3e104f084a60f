"""The `relevance` rule-file section: flag replies whose meaning is unrelated to their prompt (off unless present).

relevance:
  model: models/all-MiniLM-L6-v2   # required: a local encoder folder (sentence-transformers or plain HF)
  min_similarity: 0.1              # rule `reply_unrelated_to_prompt`: cosine(prompt, reply) below this
  tasks:                           # per task: its own minimum, or null to exempt the task (these are the defaults)
    translation: null              # a reply in another language: an English encoder cannot compare them
    code: 0.05                     # code shares few words with the request: real pairs sit lower
  max_tokens: 16384                # padded tokens per encoder batch
  device: auto                     # auto (a GPU when present) | cpu | cuda
  action: flag                     # flag (default) | drop

Measured with all-MiniLM-L6-v2, each prompt paired with its own reply and with another row's
(bench/results/semantic.md): on the Alpaca demo rows at 0.1, three quarters of the mismatched pairs are flagged
and one real pair in a thousand (a creative reply sharing no words with its prompt); on Code Alpaca rows real
pairs sit lower (0.5% of them below 0.1), hence code's own 0.05. On hand-read real flags (bench/results/
precision.md, 13 English sources) 17 of 68 were off-topic replies (0.25, 95% Wilson 0.16-0.36) and 34
borderline, mostly hh-rlhf replies dodging a harmful request by feigning not to understand it; before a chat's
reply was also compared with its last user turn, 17 of 70 (0.24). Far below 0.9: the rule flags by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from winnow.curation.rulefile.action import parse_action
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section
from winnow.curation.tasks import parsing
from winnow.curation.tasks.labels import TASKS

_KEYS: Final = ("model", "min_similarity", "tasks", "max_tokens", "device", "action")
DEVICES: Final = ("auto", "cpu", "cuda")
DEFAULT_MIN_SIMILARITY: Final = 0.1
DEFAULT_TASKS: Final[tuple[tuple[str, float | None], ...]] = (("translation", None), ("code", 0.05))


@dataclass(frozen=True)
class RelevanceConfig:
    model: str
    min_similarity: float = DEFAULT_MIN_SIMILARITY
    tasks: tuple[tuple[str, float | None], ...] = DEFAULT_TASKS  # task -> its minimum (None: exempt)
    max_tokens: int = 16384
    device: str = "auto"
    action: str = "flag"


def _tasks(raw: Any, place: str, problems: Problems) -> tuple[tuple[str, float | None], ...]:
    if raw is None:
        return DEFAULT_TASKS
    body = parsing.mapping(raw, place, problems)
    tasks: list[tuple[str, float | None]] = []
    for task, value in body.items():
        if task not in TASKS:
            problems.unknown(f"{place}.{task}", str(task), TASKS, what="task")
            continue
        minimum = (
            None if value is None else parsing.number(value, f"{place}.{task}", problems, None, -1.0, 1.0)
        )
        tasks.append((str(task), minimum))
    return tuple(tasks)


@section("relevance")
def parse_relevance(raw: Any, place: str, problems: Problems) -> RelevanceConfig | None:
    body = parsing.mapping(raw, place, problems, _KEYS)
    model = parsing.folder(
        body.get("model"),
        f"{place}.model",
        problems,
        needed="needs a local encoder folder (e.g. all-MiniLM-L6-v2)",
    )
    minimum = parsing.number(
        body.get("min_similarity"), f"{place}.min_similarity", problems, DEFAULT_MIN_SIMILARITY, -1.0, 1.0
    )
    config = RelevanceConfig(
        model=model or "",
        min_similarity=DEFAULT_MIN_SIMILARITY if minimum is None else minimum,
        tasks=_tasks(body.get("tasks"), f"{place}.tasks", problems),
        max_tokens=parsing.integer(body.get("max_tokens"), f"{place}.max_tokens", problems, 16384, 1)
        or 16384,
        device=parsing.choice(body.get("device"), f"{place}.device", problems, DEVICES, "auto"),
        action=parse_action(body.get("action"), f"{place}.action", problems, default="flag"),
    )
    return config if model else None
