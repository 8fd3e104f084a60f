"""`winnow export RUNDIR --format FMT -o OUTDIR`: a run's kept rows, one file per split, ready to train on.

    winnow export runs/zh --format sharegpt -o out/zh
    winnow export runs/zh --format alpaca --file-format json --hf -o out/zh
    winnow export runs/zh --format openai --for trl -o out/trl   # TRL's SFTTrainer reads a null `tools`

Writes train/val/test in the format (train rows repeated as the mix decided), a LLaMA-Factory
dataset_info.json, optionally a Hugging Face save_to_disk folder, reads every file back and checks it
against the canonical rows, and only then reports success. The work is in winnow.curation.export.run.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from winnow.curation.cli.console import cli_console
from winnow.curation.export.consumers import CONSUMERS, DEFAULT_CONSUMER
from winnow.curation.export.run import ExportResult, export_run
from winnow.curation.formats.registry import all_formats
from winnow.curation.io.write import FILE_FORMATS


def _format_names() -> list[str]:
    return [fmt.name for fmt in all_formats()]


@click.command("export")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "format_", required=True, help="Output format: " + ", ".join(_format_names()) + ".")
@click.option(
    "--file-format",
    type=click.Choice(FILE_FORMATS),
    default="jsonl",
    show_default=True,
    help="JSON Lines or one JSON array.",
)
@click.option(
    "--hf", is_flag=True, help="Also write a Hugging Face DatasetDict (save_to_disk) under OUTDIR/hf."
)
@click.option("--name", default="winnow", show_default=True, help="Dataset name prefix in dataset_info.json.")
@click.option(
    "--for",
    "consumer",
    type=click.Choice(CONSUMERS),
    default=DEFAULT_CONSUMER,
    show_default=True,
    help="The trainer the files are shaped for: trl writes a null `tools` where a row has none "
    '(LLaMA-Factory needs ""; no dataset_info.json then).',
)
@click.option(
    "-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write."
)
def export_command(
    run_dir: Path, format_: str, file_format: str, hf: bool, name: str, consumer: str, output: Path
) -> None:
    """Export a run folder's kept rows in a training format, one file per split, verified by reading back."""
    console = cli_console(stderr=True)
    console.print(
        f"exporting {run_dir / 'kept.parquet'} as {format_} ({file_format}) → {output}", highlight=False
    )
    with Progress(
        TextColumn("{task.description}", markup=False), BarColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("export", total=None)

        def progress(description: str, done: int, total: int) -> None:
            bar.update(task, description=description, completed=done, total=total)

        result = export_run(
            run_dir,
            output,
            format=format_,
            file_format=file_format,
            hf=hf,
            name=name,
            consumer=consumer,
            progress=progress,
        )
    print_summary(console, result)


def print_summary(console: Console, result: ExportResult) -> None:
    table = Table(title=f"winnow export: {result.format} → {result.out_dir}", title_justify="left")
    for column in ("split", "file", "rows", "copies", "written", "not writable", "read back", "matched"):
        table.add_column(column, justify="left" if column in ("split", "file") else "right")
    for s in result.splits:
        table.add_row(
            s.split,
            s.path.name,
            f"{s.rows:,}",
            f"{s.copies:,}",
            f"{s.report.rows_written:,}",
            f"{s.report.rows_dropped:,}",
            f"{s.verification.rows_read:,}",
            f"{s.verification.matched:,}",
        )
    console.print(table)
    if result.tasks:
        splits = list(result.tasks)
        by_task = Table(title="rows per task and split (before repeats)", title_justify="left")
        by_task.add_column("task")
        for split in splits:
            by_task.add_column(split, justify="right")
        for task in sorted({t for counts in result.tasks.values() for t in counts}):
            by_task.add_row(task, *[f"{result.tasks[split].get(task, 0):,}" for split in splits])
        console.print(by_task)
    for s in result.splits:
        for reason, count in sorted(s.report.dropped.items()):
            console.print(f"  {s.split}: {count:,} rows not written: {reason}", highlight=False)
        for reason, count in sorted(s.report.lost_fields.items()):
            console.print(f"  {s.split}: {count:,} rows written without: {reason}", highlight=False)
    for note in result.notes:
        console.print(f"  note: {note}", highlight=False)
    for warning in result.warnings:
        console.print(Text.assemble("  ", ("warning:", "yellow"), f" {warning}"), highlight=False)
    if result.dataset_info is not None:
        console.print(f"  LLaMA-Factory registry: {result.dataset_info}", highlight=False)
    if result.not_registered:
        console.print(f"  not registered for LLaMA-Factory: {result.not_registered}", highlight=False)
    if result.hf_dir is not None:
        console.print(f"  Hugging Face dataset: {result.hf_dir} (read back: ok)", highlight=False)
    console.print(
        Text.assemble(("ok", "bold green"), ": every exported file read back equal to the canonical rows")
    )


COMMANDS = [export_command]
