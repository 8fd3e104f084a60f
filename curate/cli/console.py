"""The consoles the CLI prints through: Rich markup off, so user text (paths, messages, corpus strings,
rule names) is printed as it is: `x_[/].jsonl` does not crash a print and `[bold]` in a path stays.

    console = cli_console(stderr=True)
    console.print(f"wrote {path}")                                  # plain, whatever `path` holds
    console.print(Text.assemble(("ok", "bold green"), f": {path}"))  # styled parts are Text, never markup
"""

from __future__ import annotations

from rich.console import Console


def cli_console(*, stderr: bool = False) -> Console:
    """A Rich console whose `print`, tables and rules never read markup in a string."""
    return Console(stderr=stderr, markup=False)
