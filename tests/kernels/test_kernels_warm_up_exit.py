"""Issue 23, item 1: `winnow curate` with a rule file that runs no check (only `split:`) exits 0 on every one
of many back-to-back re-runs. It aborted (`Fatal Python error: PyGILState_Release`, exit 134) when the
kernel warm-up, started even with no check to run, was still compiling inside numba as the process exited.

Numba's cache is pointed at an empty folder, so that a warm-up started by mistake would be compiling at exit.

    WINNOW_EXIT_RUNS=50 pytest -q tests/kernels/test_kernels_warm_up_exit.py    # default 10 (~14 s idle)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("WINNOW_EXIT_RUNS", "10"))
SPLIT_ONLY = "split:\n  fractions: {train: 0.8, val: 0.1, test: 0.1}\n  seed: 0\n"


def _curate_back_to_back(tmp_path: Path, runs: int) -> None:
    data = tmp_path / "data.json"
    rows = [{"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}."} for i in range(10)]
    data.write_text(json.dumps(rows), encoding="utf-8")
    rules = tmp_path / "split.yaml"
    rules.write_text(SPLIT_ONLY, encoding="utf-8")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    argv = [sys.executable, "-m", "winnow", "curate", str(data), "--rules", str(rules)]
    argv += ["-o", str(tmp_path / "run"), "--no-report"]
    failures = []
    for attempt in range(runs):
        done = subprocess.run(
            argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            failures.append(f"run {attempt + 1}: exit {done.returncode}\n{done.stderr[-1500:]}")
    assert not failures, f"{len(failures)} of {runs} runs failed:\n" + "\n".join(failures)


def test_split_only_curate_exits_0_on_back_to_back_reruns(tmp_path: Path) -> None:
    _curate_back_to_back(tmp_path, RUNS)
