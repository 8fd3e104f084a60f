"""`winnow --version` answers without importing a command module: no torch, transformers or Polars."""

from __future__ import annotations

import subprocess
import sys

from winnow.curation import __version__

PROBE = """
import sys
from winnow.curation.cli.main import main
code = main(["--version"])
heavy = sorted(m for m in ("torch", "transformers", "peft", "datasets", "polars") if m in sys.modules)
print("code", code, "heavy", heavy)
"""


def test_version_imports_nothing_heavy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.splitlines() == [f"winnow, version {__version__}", "code 0 heavy []"]


def test_commands_are_still_found() -> None:
    from winnow.curation.cli.main import cli

    assert {"curate", "review", "train", "rules"} <= set(cli.commands)
