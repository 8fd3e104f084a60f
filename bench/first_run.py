"""The first `winnow curate` after a fresh install, timed: the numba kernels compile on that run.

    python bench/first_run.py [--rev HEAD] [--before REV] [--repeats 3]

For each git revision (`--rev`, and `--before` to compare), the tree of that revision is installed
non-editable (`pip install --no-deps --no-build-isolation`) into its own virtual environment under
bench/out/first_run/, whose dependencies come from this environment (a .pth file: no network). Then, per
repeat and revision, in fresh processes, `winnow curate` with the shipped default rules on 1,000 real rows
(the first 500 of LLaMA-Factory's alpaca_en_demo and of alpaca_zh_demo):

    first run          numba's cache of the installed package cleared (its __pycache__/*.nbi, *.nbc), the
                       character-class table and the metric cache empty: what a person's first run costs
    numba warm         the same with numba's cache kept: metrics computed, kernels loaded from the cache
    second run         the first run's command again: kernels and metrics from their caches

Wall seconds and CPU seconds (user + system of the child) are reported as min and median over the repeats;
revisions alternate within a repeat, so that load from other jobs falls on both alike. The table printed
is the one in bench/results/first_run.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "first_run"
DATA = Path(os.environ.get("WINNOW_SHARED_DATA", ROOT.parent / "shared" / "data")) / "llama_factory_demo"
KINDS = ("first run", "numba warm", "second run")


def _install(rev: str) -> Path:
    """A fresh virtual environment holding the tree of `rev`, installed non-editable."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    env_dir = OUT / f"venv-{sha}"
    shutil.rmtree(env_dir, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    site = Path(
        subprocess.run(
            [str(env_dir / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    with tempfile.TemporaryDirectory() as tree:
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        pip = [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "-q"]
        subprocess.run([*pip, "--no-deps", "--no-build-isolation", tree], check=True)
    return env_dir


def _corpus() -> Path:
    rows = []
    for name in ("alpaca_en_demo.json", "alpaca_zh_demo.json"):
        rows += json.loads((DATA / name).read_text(encoding="utf-8"))[:500]
    path = OUT / "rows1000.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def _clear_numba_cache(env_dir: Path) -> int:
    cleared = 0
    for path in env_dir.glob("lib/python*/site-packages/**/__pycache__/*.nb[ic]"):
        path.unlink()
        cleared += 1
    return cleared


def _curate(env_dir: Path, corpus: Path, work: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one `winnow curate` in a fresh process."""
    # the shipped rules: site-packages/winnow/rules since the package installs one name (rules/ before)
    rules = next(
        path
        for pattern in ("winnow/rules/default.yaml", "rules/default.yaml")
        for path in env_dir.glob(f"lib/python*/site-packages/{pattern}")
    )
    argv = [str(env_dir / "bin" / "winnow"), "curate", str(corpus), "--rules", str(rules)]
    argv += ["-o", str(work / "run"), "--cache-dir", str(work / "cache"), "--no-report"]
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "xdg")}
    env.pop("NUMBA_CACHE_DIR", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=work, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _one_repeat(env_dir: Path, corpus: Path) -> dict[str, tuple[float, float]]:
    times = {}
    with tempfile.TemporaryDirectory(dir=OUT) as first, tempfile.TemporaryDirectory(dir=OUT) as again:
        _clear_numba_cache(env_dir)
        times["first run"] = _curate(env_dir, corpus, Path(first))
        times["second run"] = _curate(env_dir, corpus, Path(first))
        times["numba warm"] = _curate(env_dir, corpus, Path(again))
    return times


def _table(results: dict[str, list[dict[str, tuple[float, float]]]]) -> str:
    lines = [
        "| revision | run | wall s (min / median) | CPU s (min / median) |",
        "|---|---|---:|---:|",
    ]
    for rev, repeats in results.items():
        for kind in KINDS:
            walls = [r[kind][0] for r in repeats]
            cpus = [r[kind][1] for r in repeats]
            lines.append(
                f"| {rev} | {kind} | {min(walls):.1f} / {statistics.median(walls):.1f} "
                f"| {min(cpus):.1f} / {statistics.median(cpus):.1f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--before", default=None, help="a revision to compare with (run alternately)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = _corpus()
    revs = [r for r in (args.before, args.rev) if r]
    envs = {rev: _install(rev) for rev in revs}
    results: dict[str, list[dict[str, tuple[float, float]]]] = {rev: [] for rev in revs}
    for repeat in range(args.repeats):
        for rev in revs:
            results[rev].append(_one_repeat(envs[rev], corpus))
            print(f"repeat {repeat + 1} {rev}: {results[rev][-1]}", flush=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.repeats} repeats; load average at the end {load}")
    print(_table(results))


if __name__ == "__main__":
    main()
