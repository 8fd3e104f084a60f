"""The report commands: `winnow profile` (a raw corpus) and `winnow report` (a run folder, again).

    winnow profile data/alpaca_zh.json data/alpaca_en.json -o profile.html
    winnow profile data/*.jsonl -o profile.html --tokenizer path/to/tokenizer --rules rules/zh.yaml
    winnow report runs/zh                       # rewrite runs/zh/report.html (compares with runs/zh/previous/)
    winnow report runs/zh --compare runs/zh-v1  # compare with any other run folder

The work is in reports/; this module parses options, shows a bar per step (reading, the profile's
sections, the language detector per field) and prints the summary.
"""

from __future__ import annotations

from pathlib import Path

import click

from winnow.curation.cli.console import cli_console
from winnow.curation.cli.step_bars import step_bars, step_callback
from winnow.curation.errors import UsageError


@click.command("profile")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="profile.html to write.",
)
@click.option(
    "--tokenizer",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Tokenizer folder (AutoTokenizer) for token-length distributions.",
)
@click.option(
    "--rules",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Rule file whose checks are previewed and whose language settings detect languages, as a run "
    "would (default: the shipped default.yaml).",
)
@click.option("--format", "format_", default=None, help="Read every input as this format (default: detect).")
def profile_command(
    inputs: tuple[str, ...], output: Path, tokenizer: Path | None, rules: Path | None, format_: str | None
) -> None:
    """Profile a raw corpus: formats, structure, languages, lengths, checks, duplicates, samples."""
    from winnow.reports.profile import profile_corpus
    from winnow.reports.summary import print_profile_summary

    console = cli_console(stderr=True)
    console.print(f"profiling {len(inputs)} input(s) → {output}", highlight=False)
    # a bar per step, as `winnow curate` draws them: the language detector alone takes a minute on 20k rows
    with step_bars(console) as bar:
        progress = step_callback(bar)

        try:
            path, facts = profile_corpus(
                list(inputs), output, tokenizer=tokenizer, rules=rules, format=format_, progress=progress
            )
        except ModuleNotFoundError as error:
            if error.name and error.name.startswith("winnow.curation.io"):
                raise UsageError(
                    "the corpus reader (winnow.curation.io.read) is not available in this install"
                ) from error
            raise
    print_profile_summary(facts, path, console)


@click.command("report")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--compare",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Run folder to compare with (default: RUN_DIR/previous/ when `winnow curate` kept one).",
)
def report_command(run_dir: Path, compare: Path | None) -> None:
    """Write RUN_DIR/report.html for a `winnow curate` run folder."""
    import json

    from winnow.reports import print_run_summary, write_run_report

    console = cli_console(stderr=True)
    with console.status(f"writing the report of {run_dir}"):
        path = write_run_report(run_dir, compare=compare)
    stats = json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))
    print_run_summary(stats, path, console, title=f"winnow report {run_dir}")


COMMANDS = [profile_command, report_command]
