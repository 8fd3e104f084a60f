"""The one exception family of winnow.

The library raises; only the CLI turns errors into exit codes (0 ok, 1 failed, 2 bad usage or config).
Every message says what went wrong, where (file:line, field) and how to fix it.
"""

from __future__ import annotations

import os
import re


class WinnowError(Exception):
    """Base of every error winnow raises on purpose. Exit code 1."""

    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        parts = [f"{self.where}: {self.message}" if self.where else self.message]
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)


class UsageError(WinnowError):
    """Bad command-line usage or a bad configuration file. Exit code 2."""

    exit_code = 2


class InputFormatError(WinnowError):
    """An input file (or one row of it) cannot be read as any supported format."""


class ConfigError(UsageError):
    """A rule file, pipeline file or train config is invalid; carries every problem found at once."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in {source}:\n{listing}")


class StageError(WinnowError):
    """A pipeline stage failed on data it was given."""


# Polars reports the operating system's errors inside its own (`ComputeError: … underlying IO error: No space
# left on device (os error 28)`): those are the machine talking, not a bug.
OS_ERROR_IN_TEXT = re.compile(r"\(os error (\d+)\)")


def os_error_in_text(error: BaseException, filename: str | None = None) -> OSError | None:
    """The OSError whose "(os error N)" `error`'s message reports (as Polars does), naming `filename`; else None."""
    reported = OS_ERROR_IN_TEXT.search(str(error))
    if reported is None:
        return None
    code = int(reported.group(1))
    return OSError(code, os.strerror(code), filename) if filename else OSError(code, os.strerror(code))
