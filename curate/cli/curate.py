"""`winnow curate IN… --rules FILE -o RUNDIR`: apply a rule file to a corpus and write the run folder.

    winnow curate data/alpaca_zh.json --rules rules/zh.yaml -o runs/zh1
    winnow curate data/*.jsonl --rules my.yaml -o runs/r2 --format sharegpt --cache-dir /tmp/wcache
    winnow curate data/*.jsonl --rules my.yaml -o runs/r3 --engine ray   # on Ray Data (winnow[ray])

The rule file is validated before any data is read. The run folder gets rows/kept/dropped parquet,
quarantine.jsonl, stats.json, rules.resolved.yaml and report.html (unless --no-report).
Metrics are cached (default RUNDIR/../.winnow-cache): re-running with only thresholds changed is fast.
A RUNDIR holding a run of other inputs is refused (exit 2) unless --force (winnow.curation.cli.run_guard).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from winnow.curation.cli.console import cli_console
from winnow.curation.cli.run_guard import names, other_run_inputs
from winnow.curation.cli.step_bars import step_bars, step_callback
from winnow.curation.errors import UsageError
from winnow.curation.rulefile.load import load_rule_file
from winnow.curation.run_curate import default_cache_dir, run_curate


@click.command("curate")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--rules",
    "rules_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Rule file (YAML).",
)
@click.option(
    "-o",
    "--output",
    "run_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder to write.",
)
@click.option("--format", "format_", default=None, help="Read every input as this format (default: detect).")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cache folder: metric values, parsed input files, stage outputs (default: RUNDIR/../.winnow-cache).",
)
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: run on a Ray cluster (pip install 'winnow[ray]'); the same run folder.",
)
@click.option(
    "--ray-address",
    default=None,
    help="With --engine ray: the cluster to join (default: RAY_ADDRESS, else a local 2-CPU cluster).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write into RUNDIR even when it holds a run of other inputs (that run is replaced, not compared).",
)
def curate_command(
    inputs: tuple[str, ...],
    rules_path: Path,
    run_dir: Path,
    format_: str | None,
    cache_dir: Path | None,
    no_report: bool,
    force: bool,
    engine: str,
    ray_address: str | None,
) -> None:
    """Apply a rule file to a corpus; write kept/dropped rows, stats and the resolved rules to RUNDIR."""
    from winnow.reports import (  # not on every CLI start-up
        print_run_summary,
        snapshot_previous,
        write_run_report,
    )

    console = cli_console(stderr=True)
    if engine == "ray":
        from winnow.curation.ray_engine import require_ray

        require_ray()  # before the rules and the data: one line naming the extra to install
    rules = load_rule_file(rules_path)  # before any data is read: every problem at once
    sections = ", ".join(f"{name}" for name in rules.sections)
    console.print(f"rules: {rules_path} (sections: {sections})", highlight=False)
    cache = cache_dir or default_cache_dir(run_dir)
    console.print(f"curating {len(inputs)} input(s) → {run_dir}  (metric cache: {cache})", highlight=False)
    other = other_run_inputs(run_dir, inputs)
    if other is not None and not force:
        raise UsageError(
            f"{run_dir} holds a run of other inputs ({names(other)}); this run reads {names(list(inputs))}",
            hint="give each corpus its own run folder (-o), or pass --force to replace that run "
            "(it is then not kept as previous/ nor compared with)",
        )
    if other is not None:
        stale = run_dir / "previous"
        if stale.is_dir():  # a snapshot of the other corpus: the new report must not compare with it
            shutil.rmtree(stale)
        console.print(f"--force: replacing the run of {names(other)} in {run_dir}", highlight=False)
    elif (run_dir / "rows.parquet").exists() and snapshot_previous(run_dir) is not None:
        console.print(f"previous run kept as {run_dir / 'previous'}", highlight=False)
    with step_bars(console) as bar:
        progress = step_callback(bar)
        result = run_curate(
            list(inputs),
            rules,
            run_dir,
            format=format_,
            cache_dir=cache,
            progress=progress,
            engine=engine,
            ray_address=ray_address,
        )
    stats = result.stats
    report = None if no_report else write_run_report(run_dir, rows=result.frame)
    print_run_summary(stats, report, console)
    cache_stats = stats["stages"].get("checks", {}).get("cache", {})
    if cache_stats:
        console.print(
            f"metrics: {cache_stats['values_from_cache']:,} values from cache, "
            f"{cache_stats['values_computed']:,} computed",
            highlight=False,
        )
    console.print(f"run folder: {run_dir}", highlight=False)


COMMANDS = [curate_command]
