"""`winnow curate --engine ray` against the local engine, as a user runs them: wall, CPU, peak memory.

    python bench/ray.py [--rows 100000,200000] [--out DIR]

Input: bench/e2e.py's corpus (the real instruction rows of ../shared/data cycled to `--rows`, each made
distinct by its row number, Alpaca JSONL). Per size, four fresh `winnow curate` processes with the shipped
default rules, each engine with its own metric cache: local cold, local re-run after a threshold-only
change (bench/e2e.py's `check` change), ray cold, ray re-run after the same change. The ray engine starts
a local 2-CPU Ray cluster inside the command (what `--engine ray` does without an address).

Measured per run, by sampling the command's process tree every 0.2 s (Ray's workers, raylet and GCS are its
descendants): wall seconds, CPU seconds (user + system summed over every process seen, at its last sample),
the peak RSS of the largest single process and of the whole tree. The machine is shared by several
sessions: read the ratios between runs of one invocation, with the load average printed beside them.
Writes bench/results/ray.md (its hand-written part, from bench.history's marker on, is kept). The ray engine
needs a virtualenv with Ray: `WINNOW_BIN=/path/to/venv/bin/winnow python bench/ray.py` runs that one's
`winnow` (both engines).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # for bench.e2e
from bench.e2e import WINNOW, changed_rules, write_corpus  # noqa: E402
from bench.history import write_results  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ray.md"
DEFAULT_RULES = ROOT / "rules" / "default.yaml"


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    largest_mb: float  # peak RSS of the largest single process
    tree_mb: float  # peak RSS summed over the process tree
    worker_mb: float  # peak RSS of the largest Ray worker (a process named ray::...), 0 for the local engine
    kept: int
    load: str


def _sample(root: psutil.Process, cpu: dict[int, float]) -> tuple[float, float, float]:
    largest = total = worker = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            rss = process.memory_info().rss / 2**20
            times = process.cpu_times()
            name = process.name()
        except psutil.Error:
            continue
        cpu[process.pid] = times.user + times.system
        largest, total = max(largest, rss), total + rss
        if name.startswith("ray::"):
            worker = max(worker, rss)
    return largest, total, worker


def run_curate(name: str, data: Path, rules: Path, run_dir: Path, cache: Path, *extra: str) -> Run:
    command = [str(WINNOW), "curate", str(data), "--rules", str(rules), "-o", str(run_dir)]
    command += ["--cache-dir", str(cache), "--no-report", *extra]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=data.parent)
    root = psutil.Process(process.pid)
    cpu: dict[int, float] = {}
    largest = tree = worker = 0.0
    while process.poll() is None:
        one, whole, ray_worker = _sample(root, cpu)
        largest, tree, worker = max(largest, one), max(tree, whole), max(worker, ray_worker)
        time.sleep(0.2)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        sys.exit(f"{name}: winnow curate failed ({process.returncode}):\n{stderr[-3000:]}")
    stats = json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return Run(name, wall, sum(cpu.values()), largest, tree, worker, int(stats["kept"]), load)


def table(runs: list[tuple[int, Run]]) -> str:
    head = [
        "rows",
        "run",
        "wall s",
        "CPU s",
        "largest process MB",
        "largest Ray worker MB",
        "process tree MB",
        "kept",
        "load (1/5/15)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rows, run in runs:
        cells = [
            f"{rows:,}",
            run.name,
            f"{run.wall:.1f}",
            f"{run.cpu:.1f}",
            f"{run.largest_mb:,.0f}",
            f"{run.worker_mb:,.0f}",
            f"{run.tree_mb:,.0f}",
            f"{run.kept:,}",
            run.load,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="100000")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ray")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    changed = args.out / "rules_check.yaml"
    changed.write_text(changed_rules(DEFAULT_RULES.read_text(encoding="utf-8"), "check"), encoding="utf-8")
    runs: list[tuple[int, Run]] = []
    for rows in [int(r) for r in args.rows.split(",")]:
        data = args.out / f"data_{rows}.jsonl"
        if not data.exists():
            write_corpus(data, rows)
        for engine in ("local", "ray"):
            cache = args.out / f"cache_{engine}_{rows}"
            shutil.rmtree(cache, ignore_errors=True)
            run_dir = args.out / f"run_{engine}_{rows}"
            extra = ("--engine", "ray") if engine == "ray" else ()
            for name, rules in (("cold", DEFAULT_RULES), ("threshold re-run", changed)):
                run = run_curate(f"{engine} {name}", data, rules, run_dir, cache, "--force", *extra)
                print(
                    f"{rows:,} rows, {run.name}: {run.wall:.1f} s wall, {run.cpu:.1f} CPU-s, "
                    f"largest process {run.largest_mb:,.0f} MB, load {run.load}",
                    flush=True,
                )
                runs.append((rows, run))
    text = (
        "# `winnow curate --engine ray` vs the local engine (bench/ray.py)\n\n"
        f"`python bench/ray.py --rows {args.rows}`; default rules; each engine its own metric cache; "
        "the re-run changes one drop threshold (dup_10gram_share max_share 0.3 -> 0.25).\n\n"
        + table(runs)
        + "\n"
    )
    write_results(RESULTS, text)  # the hand-written history below the marker is kept
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
