"""Issue 23, item 4: SIGKILL real `winnow curate` and `winnow export` processes at random moments on a real
corpus (LLaMA-Factory's alpaca_en_demo + alpaca_zh_demo, 1,999 rows, shipped default rules), then run again,
and compare with an uninterrupted run.

After every kill the run folder and the export folder are absent or whole (a run folder passes
check_run_folder and holds the uninterrupted run's rows; an export folder holds its files); after every re-run
both equal the uninterrupted run's (kept.parquet byte for byte, dropped.parquet by content, every exported
file byte for byte) and no staging folder is left. Kills alternate curate and export; half of them (the
3rd, 4th, 7th, 8th, ...) wait for the staging folder to appear and kill within a short random time while
the folder is being written (the moment that matters), the others come at a uniformly random moment.

    WINNOW_KILLS=20 pytest -q tests/test_kill_and_rerun.py -s     # default 4 (about 25 s of CPU time)
    WINNOW_KILL_SEED=1234 ...                                    # default: drawn, and printed on failure
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.conftest import shared_path
from winnow.curation.run_folder import check_run_folder
from winnow.rules import shipped_rule_file

KILLS = int(os.environ.get("WINNOW_KILLS", "4"))
SEED = int(os.environ.get("WINNOW_KILL_SEED", str(random.SystemRandom().randrange(1 << 31))))
EXPORTED = ("dataset_info.json", "test.jsonl", "train.jsonl", "validation.jsonl")


@dataclass
class Project:
    """One folder with a run folder, an export folder and a metric cache, driven through the CLI."""

    root: Path
    inputs: list[Path]
    rules: Path
    log: list[str] = field(default_factory=list)

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def argv(self, command: str) -> list[str]:
        if command == "curate":
            args = ["curate", *map(str, self.inputs), "--rules", str(self.rules), "-o", str(self.run)]
            args += ["--no-report", "--cache-dir", str(self.root / "cache")]
        else:
            args = ["export", str(self.run), "--format", "sharegpt", "-o", str(self.out)]
        return [sys.executable, "-m", "winnow", *args]

    def complete(self, command: str) -> float:
        """Run `command` to the end; its wall time."""
        started = time.perf_counter()
        done = subprocess.run(self.argv(command), capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{command} failed after a kill ({self.log}):\n{done.stderr[-3000:]}"
        return time.perf_counter() - started

    def kill(self, command: str, at: Callable[[subprocess.Popen[bytes]], bool]) -> bool:
        """Start `command` and SIGKILL it (its whole process group) when `at(process)` says so; False if
        it finished first."""
        process = subprocess.Popen(
            self.argv(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            if not at(process):
                return False
            os.killpg(process.pid, signal.SIGKILL)
        finally:
            process.wait()
        return process.returncode == -signal.SIGKILL


def _after_delay(seconds: float) -> Callable[[subprocess.Popen[bytes]], bool]:
    def at(process: subprocess.Popen[bytes]) -> bool:
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return True
        return False

    return at


def _while_writing(folder: Path, seconds: float) -> Callable[[subprocess.Popen[bytes]], bool]:
    """`seconds` after a staging folder for `folder` appears."""

    def at(process: subprocess.Popen[bytes]) -> bool:
        while process.poll() is None:
            if any(folder.parent.glob(f".{folder.name}.tmp-*")):
                return _after_delay(seconds)(process)
            time.sleep(0.002)
        return False

    return at


def _inode(folder: Path) -> int | None:
    """Which folder is at `folder` (a swapped-in one is a new folder)."""
    return folder.stat().st_ino if folder.exists() else None


def _rows(path: Path) -> pl.DataFrame:
    return pl.read_parquet(path).sort("id")


def _assert_whole(project: Project, reference: Project, after: str) -> None:
    where = f"{after} (seed {SEED}, {project.log})"
    if project.run.exists():
        check_run_folder(project.run)
        assert (project.run / "kept.parquet").read_bytes() == (reference.run / "kept.parquet").read_bytes(), (
            where
        )
        assert_frame_equal(_rows(project.run / "dropped.parquet"), _rows(reference.run / "dropped.parquet"))
    if project.out.exists():
        assert sorted(p.name for p in project.out.iterdir()) == sorted(
            [*EXPORTED, "README.md", "export.json"]
        ), where
        for name in EXPORTED:
            assert (project.out / name).read_bytes() == (reference.out / name).read_bytes(), (
                f"{name}: {where}"
            )


@pytest.mark.slow
def test_killed_curate_and_export_runs_leave_whole_folders_and_rerun_to_the_same_rows(tmp_path: Path) -> None:
    demo = shared_path("llama_factory_demo")
    inputs = [demo / "alpaca_en_demo.json", demo / "alpaca_zh_demo.json"]
    rules = shipped_rule_file("default")
    reference = Project(tmp_path / "reference", inputs, rules)
    seconds = {"curate": reference.complete("curate"), "export": reference.complete("export")}
    # what is kept depends on the shipped rules, which change; every row read is kept or dropped
    kept, dropped = (
        pl.read_parquet(reference.run / name).height for name in ("kept.parquet", "dropped.parquet")
    )
    assert kept + dropped == 999 + 1000

    rng = random.Random(SEED)
    # how long after its staging folder appears a command is killed: halved each time a kill comes after
    # the swap (curate writes its folder in a fraction of a second, then prints its summary)
    window = {"curate": 0.1, "export": 0.3}
    project = Project(tmp_path / "killed", inputs, rules)
    project.root.mkdir()  # a kill may come before curate made any folder
    kills = 0
    while kills < KILLS:
        command = ("curate", "export")[kills % 2]
        folder = project.run if command == "curate" else project.out
        writing = kills % 4 >= 2
        before = _inode(folder)
        for tries in range(8):  # a run that finishes before its kill is not a kill: draw an earlier moment
            scale = 0.6**tries
            at = (
                _while_writing(folder, rng.uniform(0.0, window[command] * scale))
                if writing
                else _after_delay(rng.uniform(0.0, seconds[command] * scale))
            )
            if project.kill(command, at):
                break
        else:
            pytest.fail(f"{command} finished before each of 8 kills (seed {SEED})")
        kills += 1
        after = _inode(folder)
        state = "absent" if after is None else "old" if after == before else "new"
        if writing and state == "new":
            window[command] /= 2
        staging = (
            "staging left" if any(p.name.startswith(".") for p in project.root.iterdir()) else "none left"
        )
        project.log.append(
            f"{command} killed{' while writing' if writing else ''} ({state} folder, {staging})"
        )
        _assert_whole(project, reference, f"kill {kills}")
        seconds[command] = project.complete(command)
        _assert_whole(project, reference, f"re-run after kill {kills}")
        assert folder.exists()
        assert [p.name for p in project.root.iterdir() if p.name.startswith(".")] == []  # no staging left
    print(f"\n{kills} kills (seed {SEED}):\n  " + "\n  ".join(project.log))
