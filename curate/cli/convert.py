"""`winnow convert IN… --to FORMAT -o OUT`: convert a corpus between formats, saying what could not be held.

    winnow convert data/alpaca.json --to sharegpt -o out/sharegpt.jsonl
    winnow convert data/*.jsonl --format alpaca --to dolly -o out/dolly.json --quarantine out/bad.jsonl

OUT ending in .json is written as one JSON array, anything else as JSON Lines (or pass --file-format).
Rows the target format cannot hold are not written and are counted by reason; lossless changes (input
merged into the user turn, task kept as an extra field) are listed too. Exit code 1 with --strict when any
row was quarantined or dropped.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from winnow.curation.cli.console import cli_console
from winnow.curation.errors import WinnowError
from winnow.curation.formats.registry import get_format
from winnow.curation.io.read import read_corpus
from winnow.curation.io.write import WriteReport, write_quarantine, write_records


def report_table(report: WriteReport, rows_in: int) -> Table:
    table = Table(title="conversion", header_style="bold")
    table.add_column("")
    table.add_column("rows", justify="right")
    table.add_row("records read", f"{rows_in:,}")
    table.add_row("written", f"{report.rows_written:,}")
    # reasons can quote meta keys from the data: Text, never markup
    for reason, count in report.dropped.items():
        table.add_row(Text.assemble(("not written: ", "red"), reason), f"{count:,}")
    for reason, count in report.lost_fields.items():
        table.add_row(Text.assemble(("written without: ", "yellow"), reason), f"{count:,}")
    for note, count in report.notes.items():
        table.add_row(Text(f"note: {note}"), f"{count:,}")
    return table


@click.command("convert")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--to", "target", required=True, help="Output format (see `winnow formats`).")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Output file."
)
@click.option("--format", "format_name", default=None, help="Force the input format instead of detecting it.")
@click.option(
    "--file-format", type=click.Choice(["jsonl", "json"]), default=None, help="Default: from OUT's suffix."
)
@click.option(
    "--quarantine",
    "quarantine_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write quarantined lines here (JSON Lines).",
)
@click.option("--strict", is_flag=True, help="Exit 1 when any row was quarantined or not written.")
def convert_command(
    inputs: tuple[str, ...],
    target: str,
    output: Path,
    format_name: str | None,
    file_format: str | None,
    quarantine_path: Path | None,
    strict: bool,
) -> None:
    """Convert IN… (files, folders, globs, PATH/dataset_info.json:NAME) to FORMAT."""
    console = cli_console()
    get_format(target)  # fail on a bad name before reading anything
    chosen = file_format or ("json" if output.suffix.lower() == ".json" else "jsonl")
    with console.status("reading…"):
        result = read_corpus(list(inputs), format=format_name)
    for source, counts in result.formats.items():
        detected = ", ".join(f"{name} {count:,}" for name, count in counts.items()) or "nothing readable"
        console.print(f"read {source}: {detected}", markup=False, highlight=False)
    if result.quarantine.height:
        console.print(
            Text.assemble((f"quarantined {result.quarantine.height:,} line(s)", "yellow"), "; first ones:")
        )
        for row in result.quarantine.head(5).iter_rows(named=True):
            where = f"{row['source']}:{row['line']}" if row["line"] is not None else row["source"]
            console.print(f"  {where}: {row['error']}", markup=False, highlight=False)
        if quarantine_path:
            write_quarantine(result.quarantine, quarantine_path)
            console.print(f"quarantine written to {quarantine_path}")
    with console.status(f"writing {target}…"):
        report = write_records(result.records, output, format=target, file_format=chosen)
    console.print(report_table(report, result.records.height))
    console.print(f"wrote {report.rows_written:,} {target} rows to {output} ({chosen})")
    if strict and (result.quarantine.height or report.rows_dropped):
        raise WinnowError(
            f"{result.quarantine.height:,} quarantined and {report.rows_dropped:,} not written",
            hint="drop --strict to accept a partial conversion",
        )


COMMANDS = [convert_command]
