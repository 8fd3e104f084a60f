"""`winnow inspect FILE…`: what winnow makes of the inputs before anything else runs.

    winnow inspect data/alpaca_zh.json data/*.jsonl
    winnow inspect ../shared/data/llama_factory_demo/dataset_info.json:kto_en_demo --rows 2

Shows per source the detected format(s) with row counts and line ranges (a file mixing formats is flagged),
every file a named folder or glob holds but winnow does not read (with the reason), the quarantined lines
with their reasons, and a few rows rendered as conversations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import polars as pl
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from winnow.curation.cli.console import cli_console
from winnow.curation.io.expand import Skipped
from winnow.curation.io.read import ReadResult, read_corpus

PREVIEW_CHARS = 300


def line_ranges(lines: list[int], limit: int = 6) -> str:
    """[1, 2, 3, 7, 9, 10] → "1-3, 7, 9-10" (at most `limit` ranges, then "…")."""
    ranges: list[str] = []
    start = previous = None
    for line in [*sorted(lines), None]:
        if start is not None and (line is None or previous is None or line != previous + 1):
            ranges.append(str(start) if start == previous else f"{start}-{previous}")
            start = None
        if line is not None and start is None:
            start = line
        previous = line
    shown = ", ".join(ranges[:limit])
    return shown + (f", … ({len(ranges) - limit} more ranges)" if len(ranges) > limit else "")


def formats_table(result: ReadResult) -> Table:
    table = Table(title="detected formats", header_style="bold")
    for column in ("source", "format", "rows", "lines"):
        table.add_column(column, overflow="fold")
    for source, counts in result.formats.items():
        rows = result.records.filter(pl.col("source") == source)
        mixed = len(counts) > 1
        for fmt, count in counts.items():
            lines = rows.filter(pl.col("format") == fmt)["line"].to_list()
            label = Text.assemble(fmt, (" (mixed file)", "yellow")) if mixed else Text(fmt)
            table.add_row(Text(source), label, f"{count:,}", line_ranges(lines))
        if not counts:
            table.add_row(Text(source), Text("nothing readable", style="red"), "0", "")
    return table


def skipped_table(skipped: list[Skipped]) -> Table:
    """Every file a folder or glob held that was not read, and why (all of them: none is dropped silently)."""
    table = Table(title=f"skipped files ({len(skipped):,}): not read", header_style="bold")
    for column in ("path", "reason"):
        table.add_column(column, overflow="fold")
    for entry in skipped:
        table.add_row(Text(entry.path), Text(entry.reason))
    return table


def quarantine_table(quarantine: pl.DataFrame, limit: int) -> Table:
    table = Table(title=f"quarantined ({quarantine.height:,})", header_style="bold")
    for column in ("source", "line", "error", "snippet"):
        table.add_column(column, overflow="fold")
    for row in quarantine.head(limit).iter_rows(named=True):
        line = "file" if row["line"] is None else str(row["line"])
        table.add_row(Text(row["source"]), line, Text(row["error"]), Text(row["snippet"][:80]))
    return table


def render_row(row: dict[str, Any]) -> Panel:
    """One record as a conversation; every corpus string goes through Text (never markup)."""
    parts: list[Text] = []

    def add(label: str, value: str | None, style: str) -> None:
        if value:
            clipped = value if len(value) <= PREVIEW_CHARS else value[:PREVIEW_CHARS] + "…"
            parts.append(Text.assemble((f"{label}: ", style), clipped))

    add("system", row["system"], "magenta")
    for message in row["messages"] or []:
        add(message["role"], message["content"], "cyan" if message["role"] == "user" else "green")
    add("input", row["input"], "cyan")
    add("chosen", row["chosen"], "green")
    add("rejected", row["rejected"], "red")
    add("text", row["text"], "white")
    if row["label"] is not None:
        parts.append(Text(f"label: {row['label']}", style="yellow"))
    add("task", row["task"], "yellow")
    add("meta", row["meta"], "dim")
    title = f"{row['format']} · {row['kind']} · {Path(row['source']).name}:{row['line']} · id {row['id']}"
    return Panel(Group(*parts), title=Text(title), title_align="left")


@click.command("inspect")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "format_name", default=None, help="Force one input format (see `winnow formats`).")
@click.option("--rows", "preview", default=3, show_default=True, help="How many rows to render.")
@click.option(
    "--quarantined",
    "show_quarantined",
    default=20,
    show_default=True,
    help="How many quarantined lines to list.",
)
def inspect_command(
    inputs: tuple[str, ...], format_name: str | None, preview: int, show_quarantined: int
) -> None:
    """Show detected formats, counts, quarantined lines and a few rows of FILE… (files, folders, globs,
    PATH/dataset_info.json:NAME)."""
    console = cli_console()
    with console.status("reading…"):
        result = read_corpus(list(inputs), format=format_name)
    console.print(formats_table(result))
    if result.skipped:
        console.print(skipped_table(result.skipped))
    console.print(
        f"rows read {result.rows_read:,} = accepted {result.rows_accepted:,} + quarantined {result.quarantine.height:,}"
    )
    for source in result.mixed_sources():
        console.print(
            Text(f"note: {source} mixes formats; pass --format NAME to read it as one", style="yellow")
        )
    if result.quarantine.height:
        console.print(quarantine_table(result.quarantine, show_quarantined))
    for row in result.records.head(preview).iter_rows(named=True):
        console.print(render_row(row))


COMMANDS = [inspect_command]
