"""`winnow run pipeline.yaml` and `winnow demo`: the whole job, each stage skipped when unchanged.

winnow run pipeline.yaml [--until STAGE] [--force]
winnow demo [-o DIR]          # the pipeline on the built-in example, offline, on CPU
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import click
import yaml
from rich.console import Console
from rich.table import Table

from winnow.curation.cli.console import cli_console
from winnow.curation.example import example_dir
from winnow.curation.pipeline.config import load_pipeline
from winnow.curation.pipeline.runner import RunContext, run_steps
from winnow.curation.pipeline.steps import pipeline_steps

STAGES = [step.name for step in pipeline_steps()]


def _run(pipeline: Path, until: str | None, force: bool, console: Console) -> RunContext:
    config = load_pipeline(pipeline)  # every problem of the file at once, before anything runs
    console.print(f"pipeline: {config.path} → {config.work_dir}", highlight=False)
    ctx = RunContext(config=config, console=console)
    start = time.perf_counter()
    run_steps(pipeline_steps(), ctx, until=until, force=force)
    elapsed = time.perf_counter() - start
    ran = ", ".join(ctx.ran) or "nothing"
    skipped = ", ".join(ctx.skipped) or "nothing"
    console.print(f"ran: {ran}; skipped (unchanged): {skipped}; {elapsed:.1f}s in all", highlight=False)
    return ctx


@click.command("run")
@click.argument("pipeline", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--until", type=click.Choice(STAGES), default=None, help="Stop after this stage.")
@click.option("--force", is_flag=True, help="Redo every stage even when unchanged.")
def run_command(pipeline: Path, until: str | None, force: bool) -> None:
    """Run a pipeline file: profile → model → curate → export → shard → train."""
    _run(pipeline, until, force, cli_console(stderr=True))


def write_demo_pipeline(out_dir: Path, model: str | None = None) -> Path:
    """A copy of the example pipeline in `out_dir`, reading the shipped data where winnow is installed."""
    source = example_dir()
    raw = yaml.safe_load((source / "pipeline.yaml").read_text(encoding="utf-8"))
    raw["inputs"] = [str(source / item) for item in raw["inputs"]]
    raw["work_dir"] = "."
    if model is not None:
        raw["train"]["model"] = model
        raw["shard"]["tokenizer"] = model
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "pipeline.yaml"
    header = (
        "# Written by `winnow demo`: the built-in example's pipeline; edit it and run `winnow run` on it.\n"
    )
    path.write_text(header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@click.command("demo")
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("winnow-demo"),
    show_default=True,
    help="Folder for the demo's pipeline and outputs.",
)
@click.option("--model", default=None, help="A local model folder to train instead of the tiny demo Llama.")
@click.option("--fresh", is_flag=True, help="Delete the demo folder first (a cold run).")
def demo_command(out_dir: Path, model: str | None, fresh: bool) -> None:
    """Run the whole pipeline on the built-in example, offline, on CPU."""
    console = cli_console(stderr=True)
    if fresh and out_dir.exists():
        shutil.rmtree(out_dir)
    pipeline = write_demo_pipeline(out_dir, model)
    ctx = _run(pipeline, None, False, console)
    table = Table(title="winnow demo", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    summaries = ctx.summaries
    if "profile" in summaries:
        table.add_row("profile report", summaries["profile"]["report"])
    curated = summaries["curate"]
    table.add_row("curate report", curated["report"])
    table.add_row(
        "rows",
        f"{curated['rows_read']:,} read, {curated['kept']:,} kept, {curated['dropped']:,} dropped, "
        f"{curated['quarantined']:,} quarantined",
    )
    for fmt, info in summaries.get("export", {}).get("formats", {}).items():
        table.add_row(f"export ({fmt})", info["dir"])
    if "shard" in summaries:
        table.add_row("shards", summaries["shard"]["shard_dir"])
    if "train" in summaries:
        trained = summaries["train"]
        table.add_row("adapter", trained["adapter_dir"])
        table.add_row("training report", trained["report"])
        before, after = trained["eval_loss_before"], trained["eval_loss_after"]
        if before is not None and after is not None:
            table.add_row(
                "val loss", f"{before:.4f} before training → {after:.4f} after {trained['steps']} steps"
            )
    console.print(table)


COMMANDS = [run_command, demo_command]
