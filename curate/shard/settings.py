"""What a shard run was asked to do: one small value, hashed into the cache key and written to the manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from winnow.curation.errors import UsageError
from winnow.curation.shard.templates import TEMPLATE_NAMES

DEFAULT_MAX_LEN = 2048
DEFAULT_TOKEN_BUDGET = 16384


@dataclass(frozen=True)
class ShardSettings:
    template: str = "auto"
    max_len: int = DEFAULT_MAX_LEN
    last_turn_only: bool = False
    train_on_prompt: bool = False
    truncate: bool = False
    buckets: tuple[int, ...] | None = None  # upper bounds; None = automatic from the length distribution
    token_budget: int = DEFAULT_TOKEN_BUDGET  # for the padding-efficiency estimate
    seed: int = 0  # order of the padding-efficiency simulation

    def __post_init__(self) -> None:
        if self.template not in TEMPLATE_NAMES:
            raise UsageError(
                f"unknown template {self.template!r}", hint=f"known: {', '.join(TEMPLATE_NAMES)}"
            )
        if self.max_len < 8:
            raise UsageError(f"--max-len must be at least 8, got {self.max_len}")
        if self.buckets is not None and (
            not self.buckets
            or any(b < 1 for b in self.buckets)
            or list(self.buckets) != sorted(set(self.buckets))
        ):
            raise UsageError(f"--buckets must be increasing positive lengths, got {list(self.buckets)}")
        if self.token_budget < self.max_len:
            raise UsageError(
                f"--token-budget ({self.token_budget}) must be at least --max-len ({self.max_len})"
            )

    def as_dict(self) -> dict[str, Any]:
        value = asdict(self)
        value["buckets"] = list(self.buckets) if self.buckets is not None else "auto"
        return value


def parse_buckets(raw: str) -> tuple[int, ...] | None:
    """`auto` or a comma-separated list of increasing lengths."""
    if raw.strip() == "auto":
        return None
    try:
        values = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise UsageError(f"--buckets must be 'auto' or lengths like 128,256,512; got {raw!r}") from error
    return values
