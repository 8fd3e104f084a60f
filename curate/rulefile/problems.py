"""Collect every problem of a configuration file at once, each with its place and a "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from winnow.curation.errors import ConfigError


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


@dataclass
class Problems:
    """A growing list of `place: message` strings, e.g. `checks[3].params.max_ratio: must be <= 1`."""

    source: str
    items: list[str] = field(default_factory=list)

    def add(self, place: str, message: str) -> None:
        self.items.append(f"{place}: {message}" if place else message)

    def unknown(self, place: str, name: str, choices: Iterable[str], what: str = "key") -> None:
        choices = list(choices)
        self.add(
            place,
            f"unknown {what} {name!r}{did_you_mean(name, choices)}; known: {', '.join(sorted(choices))}",
        )

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(self.source, self.items)
