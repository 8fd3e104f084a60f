"""The background process of a first run (winnow.curation.background): it prepares the language tables and the
dedup kernels that are not on disk, starts for nothing that is, and never outlives the run that started it,
whether the run ends, fails, or dies; a child stopped mid-job leaves caches the next run reads or rebuilds.

Numba's cache and the table folder are pointed at empty folders; the parts that read numba's cache run in a
fresh process, since numba picks its cache folder when a module is imported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import winnow.curation.run_curate as run_curate_module
from winnow.curation import stages
from winnow.curation.background import Background, start_background, wanted_jobs
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.load import load_rule_file
from winnow.curation.run_curate import curate_frame

REPO = Path(__file__).resolve().parents[1]


def _fresh_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
        "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
    }


def _python(script: str, env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout.split()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not reaped by its parent yet) is not running
    with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_the_jobs_a_rule_file_calls_for() -> None:
    default = load_rule_file(REPO / "rules" / "default.yaml")
    assert wanted_jobs(default.sections) == ["language", "dedup"]
    assert wanted_jobs({}) == []


def test_child_prepares_what_is_missing_and_a_second_start_starts_nothing(tmp_path: Path) -> None:
    out = _python(
        """
        from winnow.curation import background as bg
        print(bg._language_ready(), bg._dedup_ready())
        started = bg.start_background(["language", "dedup"])
        print(started.process is not None, "+".join(started.pending))
        started.wait("language")
        print(bg._language_ready())
        started.wait("dedup")
        print(bg._dedup_ready(), "+".join(started.pending) or "-")
        started.close()
        again = bg.start_background(["language", "dedup"])
        print(again.process is None)
        """,
        _fresh_env(tmp_path),
    )
    assert out == ["False", "False", "True", "language+dedup", "True", "True", "-", "True"]
    assert len(list((tmp_path / "xdg" / "winnow").glob("language-*"))) == 3  # profiles, normalize, words


def test_dedup_job_compiles_the_signatures_a_run_uses(tmp_path: Path) -> None:
    # the job calls the kernels through dedup's own functions: the real dedup stage afterwards adds no signature
    out = _python(
        """
        from winnow.curation import background as bg
        bg._prepare_dedup()
        before = [len(d.signatures) for d in bg.dedup_kernels()]
        import polars as pl
        from winnow.curation.dedup.config import NearConfig
        from winnow.curation.dedup.near import near_duplicates
        texts = [f"row {i} says the same long thing about cats and dogs" for i in range(40)]
        texts += ["你好世界你好世界你好", "你好世界你好世界你好吗"]
        found = near_duplicates(pl.Series(texts), NearConfig(threshold=0.5), workers=1)
        from winnow.curation.dedup.clusters import components
        pairs = found.pairs
        components(len(texts), pairs["a"].to_numpy(), pairs["b"].to_numpy())  # as find_duplicates does
        after = [len(d.signatures) for d in bg.dedup_kernels()]
        print(before == after, set(before) == {1}, pairs.height > 0, found.member_sets is not None)
        """,
        _fresh_env(tmp_path),
    )
    # one signature per kernel, and the stage compiled none the job had not
    assert " ".join(out) == "True True True True"


def test_child_exits_when_the_run_that_started_it_dies(tmp_path: Path) -> None:
    # the parent is SIGKILLed (no finally runs): the child sees its stdin close and exits at once
    env = _fresh_env(tmp_path)
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from winnow.curation.background import start_background\n"
            "b = start_background(['language', 'dedup']); print(b.process.pid, flush=True); time.sleep(60)",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(1.0)  # inside a job (importing or building)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
    # whatever it left, the next run reads or rebuilds: preparing again ends with both ready
    out = _python(
        """
        from winnow.curation import background as bg
        bg._prepare_language(); bg._prepare_dedup()
        print(bg._language_ready(), bg._dedup_ready())
        """,
        env,
    )
    assert out == ["True", "True"]


def test_a_failing_run_stops_and_reaps_its_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # the language tables are missing: a child
    children: list[subprocess.Popen[str] | None] = []
    ends: list[Background] = []

    def start(jobs: list[str]) -> Background:
        ends.append(start_background(jobs))
        children.append(ends[0].process)
        return ends[0]

    def broken(frame: pl.DataFrame, rules: object, ctx: object) -> pl.DataFrame:
        raise RuntimeError("a stage failed")

    monkeypatch.setattr(run_curate_module, "start_background", start)
    mappers = stages.registered_stages()[0]  # the first stage: the child is still building the tables
    assert mappers.name == "mappers"
    monkeypatch.setitem(stages._STAGES, "mappers", stages.Stage("mappers", mappers.order, broken))
    rules = load_rule_file(REPO / "rules" / "default.yaml")
    rows = frame_from_rows(
        [
            {
                "kind": "sft",
                "messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hi."}],
            }
        ]
    )
    with pytest.raises(RuntimeError, match="a stage failed"):
        curate_frame(rows, rules)
    child = children[0]
    assert child is not None
    assert child.returncode == 0  # stopped (its stdin closed) and reaped, not left running
    assert ends[0].process is None
    # a table folder appears whole or not at all (a partial one keeps its .tmp name, which no reader opens)
    for folder in (tmp_path / "xdg" / "winnow").glob("language-*"):
        if not folder.name.endswith(".tmp"):
            assert all(np.load(path).size for path in folder.glob("*.npy"))


def test_unknown_job_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "winnow.curation.background", "langauge"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert "unknown job(s) langauge; known: language, dedup" in done.stderr


def _child(script: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_stuck_child_holds_a_stage_no_longer_than_the_limit() -> None:
    # it says one job is done, then hangs (until its stdin closes): the next job is waited for `limit` seconds,
    # then left to the stage
    background = Background(
        _child("import sys; print('language', flush=True); sys.stdin.read()"), ["language", "dedup"]
    )
    try:
        background.wait("language", limit=30)
        assert background.pending == ["dedup"]
        started = time.monotonic()
        background.wait("dedup", limit=0.5)
        assert 0.5 <= time.monotonic() - started < 5
        assert background.pending == []
    finally:
        background.close()


def test_two_lines_printed_at_once_are_both_read() -> None:
    # both lines arrive in one read: the second wait finds its line without waiting for the pipe
    background = Background(
        _child("import sys; print('language\\ndedup', flush=True); sys.stdin.read()"), ["language", "dedup"]
    )
    try:
        background.wait("language", limit=30)
        started = time.monotonic()
        background.wait("dedup", limit=30)
        assert time.monotonic() - started < 1
        assert background.pending == []
    finally:
        background.close()
