"""Run the pipeline's steps in order, skipping each whose fingerprint is unchanged, and say why.

A step's fingerprint has three parts: the files it reads (by content), its settings, and the content of what
the steps it depends on produced (their `products`, hashed by bytes). When one part differs from the last run
the step is redone and the part is named ("settings changed", "input files changed", "curate's output
changed"); otherwise it is skipped. Because dependencies count by content, a redone step whose output comes
out identical (a threshold moved but no row changed side) lets everything after it be skipped.
Each stage that carries rows then prints rows in → out and the rows it did not carry, with reasons.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from winnow.curation.pipeline.carried import stage_lines
from winnow.curation.pipeline.config import PipelineConfig
from winnow.curation.pipeline.fingerprint import hash_files, hash_value
from winnow.curation.pipeline.state import PipelineState


@dataclass
class RunContext:
    config: PipelineConfig
    console: Console
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def stage_dir(self, name: str) -> Path:
        return self.config.work_dir / name


@dataclass(frozen=True)
class Step:
    """One pipeline stage: what it hashes, where it writes, how it runs."""

    name: str
    run: Callable[[RunContext], dict[str, Any]]
    enabled: Callable[[PipelineConfig], bool] = lambda config: True
    depends: tuple[str, ...] = ()
    settings: Callable[[PipelineConfig], Any] = lambda config: None
    files: Callable[[PipelineConfig], list[Path]] = lambda config: []
    outputs: Callable[[RunContext], list[Path]] = lambda ctx: []
    products: Callable[[RunContext], list[Path]] = lambda ctx: []  # what later steps read, hashed by content


def _parts(
    step: Step, config: PipelineConfig, fingerprints: dict[str, str], input_digests: dict[Path, bytes]
) -> dict[str, Any]:
    return {
        "settings": hash_value(step.settings(config)),
        "files": hash_files(step.files(config), input_digests),
        "depends": {name: fingerprints.get(name, "") for name in step.depends},
    }


def _why_redo(
    step: Step, parts: dict[str, Any], previous: dict[str, Any] | None, ctx: RunContext
) -> str | None:
    """None when the step can be skipped, else the reason it must run."""
    if previous is None:
        return "first run"
    old = previous.get("parts", {})
    if old.get("files") != parts["files"]:
        return "input files changed"
    if old.get("settings") != parts["settings"]:
        return "settings changed"
    for name, value in parts["depends"].items():
        if old.get("depends", {}).get(name) != value:
            return f"{name}'s output changed"
    missing = [p for p in step.outputs(ctx) if not p.exists()]
    if missing:
        return f"output missing ({missing[0]})"
    return None


def _print_carried(ctx: RunContext, name: str) -> None:
    """Rows in → out and what the stage did not carry (winnow.curation.pipeline.carried), ran or skipped."""
    for line in stage_lines(name, ctx.summaries.get(name, {})):
        ctx.console.print(Text(line))


def run_steps(
    steps: list[Step], ctx: RunContext, *, until: str | None = None, force: bool = False
) -> RunContext:
    state = PipelineState(ctx.config.work_dir)
    fingerprints: dict[str, str] = {}
    # Digests of the files steps read (not of what steps write, which changes during the run).
    input_digests: dict[Path, bytes] = {}
    for step in steps:
        if not step.enabled(ctx.config):
            ctx.console.print(Text(f"· {step.name}: disabled in the pipeline file", style="dim"))
            continue
        parts = _parts(step, ctx.config, fingerprints, input_digests)
        fingerprint = hash_value(step.name, parts)
        previous = state.stages.get(step.name)
        reason = "--force" if force else _why_redo(step, parts, previous, ctx)
        if reason is None and previous is not None:
            fingerprints[step.name] = hash_files(step.products(ctx))
            ctx.summaries[step.name] = dict(previous.get("summary", {}))
            ctx.skipped.append(step.name)
            ctx.console.print(
                Text.assemble(
                    (f"✓ {step.name}", "green"), ": skipped, inputs and settings unchanged since the last run"
                )
            )
            _print_carried(ctx, step.name)
        else:
            ctx.console.rule(Text.assemble((step.name, "bold"), f" ({reason})"))
            start = time.perf_counter()
            summary = step.run(ctx)
            elapsed = time.perf_counter() - start
            ctx.summaries[step.name] = summary
            ctx.seconds[step.name] = elapsed
            ctx.ran.append(step.name)
            fingerprints[step.name] = hash_files(step.products(ctx))
            state.record(step.name, fingerprint, parts, summary, elapsed)
            _print_carried(ctx, step.name)
            ctx.console.print(Text.assemble((f"✓ {step.name}", "green"), f": done in {elapsed:.1f}s"))
        if until is not None and step.name == until:
            break
    return ctx
