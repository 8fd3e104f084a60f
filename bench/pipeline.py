"""The rule-tuning loop of `winnow run`, timed: a cold run of the built-in example's pipeline, a re-run with
nothing changed, and re-runs with one threshold changed (one that moves rows across it, one that does not).

    python bench/pipeline.py [--out bench/out/pipeline] [--no-train]

Writes bench/results/pipeline.md. Each run is `winnow run` in-process on the same work folder, as a person
tuning a rule file would run it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from pathlib import Path

# bench/ holds curate.py: keep this folder off sys.path so `import curate` finds the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from rich.console import Console  # noqa: E402

from winnow.curation.cli.run import write_demo_pipeline  # noqa: E402
from winnow.curation.pipeline.config import load_pipeline  # noqa: E402
from winnow.curation.pipeline.runner import RunContext, run_steps  # noqa: E402
from winnow.curation.pipeline.steps import pipeline_steps  # noqa: E402
from winnow.rules import shipped_rule_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPECIAL = re.compile(r"(check: max_special_char_ratio\n.*\n\s*params: \{max_ratio: )([0-9.]+)")
CHAR_RUN = re.compile(r"(check: max_char_run\n.*\n\s*params: \{max_run: )(\d+)")


def _run(pipeline: Path) -> tuple[RunContext, float]:
    ctx = RunContext(config=load_pipeline(pipeline), console=Console(quiet=True))
    start = time.perf_counter()
    run_steps(pipeline_steps(), ctx)
    return ctx, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "pipeline")
    parser.add_argument(
        "--no-train", action="store_true", help="leave the train stage out (the tuning loop only)"
    )
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    pipeline = write_demo_pipeline(args.out)
    rules = args.out / "rules.yaml"
    rules.write_text(shipped_rule_file("default").read_text(encoding="utf-8"), encoding="utf-8")
    text = pipeline.read_text(encoding="utf-8").replace("rules: default", f"rules: {rules.name}")
    if args.no_train:
        text = text.replace("train:\n  model: demo", "train:\n  enabled: false\n  model: demo")
    pipeline.write_text(text, encoding="utf-8")

    runs: list[tuple[str, RunContext, float]] = []
    ctx, seconds = _run(pipeline)
    runs.append(("cold (first run)", ctx, seconds))
    ctx, seconds = _run(pipeline)
    runs.append(("again, nothing changed", ctx, seconds))
    source = rules.read_text(encoding="utf-8")
    rules.write_text(CHAR_RUN.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + 1}", source), encoding="utf-8")
    ctx, seconds = _run(pipeline)
    runs.append(("max_char_run.max_run + 1 (no row changes side)", ctx, seconds))
    source = rules.read_text(encoding="utf-8")
    rules.write_text(SPECIAL.sub(lambda m: f"{m.group(1)}0.2", source), encoding="utf-8")
    ctx, seconds = _run(pipeline)
    runs.append(("max_special_char_ratio.max_ratio → 0.2 (rows change side)", ctx, seconds))

    cold = runs[0][2]
    load = os.getloadavg()
    lines = [
        "# bench/pipeline.py — `winnow run` on the built-in example, the rule-tuning loop",
        "",
        f"Work folder `{args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}`, "
        f"train stage {'left out' if args.no_train else 'included'}. Machine: 2 cores; load average at the end "
        f"{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} (other jobs share the cores, so seconds are noisy).",
        "",
        "| run | seconds | of cold | stages run | stages skipped | kept rows | seconds per stage run |",
        "|---|---:|---:|---|---|---:|---|",
    ]
    for name, ctx, seconds in runs:
        per_stage = ", ".join(f"{stage} {ctx.seconds[stage]:.1f}" for stage in ctx.ran)
        kept = ctx.summaries.get("curate", {}).get("kept", "")
        lines.append(
            f"| {name} | {seconds:.1f} | {seconds / cold:.0%} | {', '.join(ctx.ran) or '–'} | "
            f"{', '.join(ctx.skipped) or '–'} | {kept} | {per_stage or '–'} |"
        )
    lines += [
        "",
        "Stages depend on the content of what earlier stages produced: a threshold change re-runs curate (its",
        "metrics come from the cache, only comparisons are redone); the steps after curate run again only when",
        "the kept rows changed. The profile describes the raw corpus with the shipped default checks, so a rule",
        "change does not redo it.",
    ]
    results = ROOT / "bench" / "results" / ("pipeline_no_train.md" if args.no_train else "pipeline.md")
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
