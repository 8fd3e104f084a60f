"""`winnow formats`: the table of supported formats, the keys each reads, and what each cannot hold.

winnow formats
"""

from __future__ import annotations

import click
from rich.table import Table

from winnow.curation.cli.console import cli_console
from winnow.curation.formats.registry import all_formats


def formats_table() -> Table:
    table = Table(title="formats winnow reads and writes", header_style="bold", show_lines=True)
    table.add_column("name", no_wrap=True)
    for column in ("kinds", "required keys", "optional keys", "cannot hold", "what it is"):
        table.add_column(column, overflow="fold")
    for fmt in all_formats():
        required = " | ".join(", ".join(sorted(sig)) for sig in fmt.signatures)
        table.add_row(
            fmt.name,
            ", ".join(fmt.kinds),
            "(a JSON list of messages)" if fmt.row_is_list else required,
            ", ".join(sorted(fmt.optional)),
            fmt.cannot_hold,
            fmt.description,
        )
    return table


@click.command("formats")
def formats_command() -> None:
    """List the supported dataset formats and their fields."""
    console = cli_console()
    console.print(formats_table())
    console.print(
        "Keys a format does not map are kept in `meta` and written back on export. "
        "Read a LLaMA-Factory registry entry as PATH/dataset_info.json:NAME."
    )


COMMANDS = [formats_command]
