"""The `select` rule-file section: keep only the best rows under a budget (off unless present).

select:
  budget: 1000               # rows to keep: a count, or a fraction (0 < x < 1) of the rows still kept
  by: ifd                    # the metric column ranking rows (ifd needs `model_scores`); or any numeric
                             # column of the frame (a check's metric, quality_score, ...)
  order: desc                # desc: highest first (ifd: hardest instructions first); asc: lowest first
  skip_flagged: true         # rows carrying a flag (e.g. prompt_does_not_help, ifd >= 1) are never chosen
  per_task: false            # true: the budget is shared among tasks in proportion to their kept rows
  diversity: 0.0             # 0 = off; x > 0: skip a row whose embedding cosine to a chosen row is > 1 - x
  model: null                # encoder folder for diversity (required when diversity > 0)
  key: conversation          # what is embedded for diversity, as in `dedup.key`

Rows not chosen are dropped with reason `not_selected`; `select_rank` (1 = chosen first) and
`select_note` (why a row was not chosen) say why (winnow.curation.select.pick).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from winnow.curation.dedup.config import KEYS
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section
from winnow.curation.tasks import parsing

_KEYS: Final = ("budget", "by", "order", "skip_flagged", "per_task", "diversity", "model", "key")
ORDERS: Final = ("desc", "asc")


@dataclass(frozen=True)
class SelectConfig:
    budget: float  # a count (>= 1) or a fraction (0 < x < 1)
    by: str = "ifd"
    order: str = "desc"
    skip_flagged: bool = True
    per_task: bool = False
    diversity: float = 0.0
    model: str | None = None
    key: str = "conversation"

    def rows(self, candidates: int) -> int:
        """The budget in rows for `candidates` rows still kept."""
        if self.budget < 1:
            return round(self.budget * candidates)
        return min(int(self.budget), candidates)


def _budget(raw: Any, place: str, problems: Problems) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        problems.add(place, f"must be a row count (>= 1) or a fraction (0 < x < 1), got {raw!r}")
        return None
    if raw >= 1 and float(raw) != int(raw):
        problems.add(place, f"a count must be a whole number, got {raw!r}")
        return None
    return float(raw)


@section("select")
def parse_select(raw: Any, place: str, problems: Problems) -> SelectConfig | None:
    body = parsing.mapping(raw, place, problems, _KEYS)
    budget = _budget(body.get("budget"), f"{place}.budget", problems)
    diversity = parsing.number(body.get("diversity"), f"{place}.diversity", problems, 0.0, 0.0, 1.0) or 0.0
    needed = "diversity needs an encoder folder (e.g. all-MiniLM-L6-v2)" if diversity > 0 else None
    model = parsing.folder(body.get("model"), f"{place}.model", problems, needed=needed)
    config = SelectConfig(
        budget=budget or 1.0,
        by=parsing.string(body.get("by"), f"{place}.by", problems, "ifd") or "ifd",
        order=parsing.choice(body.get("order"), f"{place}.order", problems, ORDERS, "desc"),
        skip_flagged=parsing.boolean(body.get("skip_flagged"), f"{place}.skip_flagged", problems, True),
        per_task=parsing.boolean(body.get("per_task"), f"{place}.per_task", problems, False),
        diversity=diversity,
        model=model,
        key=parsing.choice(body.get("key"), f"{place}.key", problems, KEYS, "conversation"),
    )
    return config if budget is not None else None
