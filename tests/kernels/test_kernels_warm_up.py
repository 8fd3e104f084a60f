"""Loading the kernels ahead of time (issue 23, items 1 and 11): only the kernels the rule file's checks
call, in a thread that has finished when the run returns, and none at all for a rule file without them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import winnow.curation.kernels.warm_up as warm_up_module
from tests.conftest import shared_path
from winnow.curation.checks.section import ChecksConfig
from winnow.curation.rulefile.load import load_rule_file
from winnow.curation.run_curate import run_curate
from winnow.rules import shipped_rule_file

THREAD_NAME = "winnow-kernels-warm-up"  # winnow.curation.kernels.warm_up.THREAD_NAME
SPLIT_ONLY = "split:\n  fractions: {train: 0.8, val: 0.1, test: 0.1}\n  seed: 0\n"
ONE_KERNEL = "checks:\n  - check: max_char_run\n    field: response\n    params: {max_run: 12}\n"
ROWS = [
    {"instruction": f"Say something number {i}.", "input": "", "output": f"Something, number {i}."}
    for i in range(10)
]


def _corpus(tmp_path: Path, rules: str) -> tuple[Path, Path]:
    data = tmp_path / "data.json"
    data.write_text(json.dumps(ROWS), encoding="utf-8")
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(rules, encoding="utf-8")
    return data, rule_file


@pytest.fixture
def warm_up_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[threading.Thread]]:
    """Every warm-up thread started while the test runs."""
    started: list[threading.Thread] = []
    original = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        if thread.name == THREAD_NAME:
            started.append(thread)
        original(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    yield started
    for thread in started:
        thread.join()


def test_thread_name() -> None:
    assert warm_up_module.THREAD_NAME == THREAD_NAME


def test_warm_up_runs_the_default_rules_kernels_on_the_sample() -> None:
    rules = warm_up_module.kernel_rules(load_rule_file(shipped_rule_file("default")).sections["checks"])
    names = {built.rule.name for built in rules}
    assert {"max_char_run", "mojibake", "top_2gram_share", "conversation_repeated_turn"} <= names
    assert "empty_response" not in names  # a Polars expression: nothing to load
    warm_up_module.warm_up(rules)  # raises if a rule fails on the sample rows


def test_no_thread_without_a_check_that_calls_a_kernel() -> None:
    plain = load_rule_file(shipped_rule_file("default")).sections["checks"]
    only_lengths = ChecksConfig(
        rules=tuple(r for r in plain.rules if r.check in {"min_length", "max_length"})
    )
    assert only_lengths.rules
    for checks in (None, ChecksConfig(), only_lengths):
        assert warm_up_module.start_warm_up(checks).thread is None


def test_split_only_run_starts_no_warm_up(tmp_path: Path, warm_up_threads: list[threading.Thread]) -> None:
    data, rule_file = _corpus(tmp_path, SPLIT_ONLY)
    run_curate([data], rule_file, tmp_path / "run")
    assert warm_up_threads == []


def test_warm_up_has_finished_when_the_run_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm_up_threads: list[threading.Thread]
) -> None:
    original = warm_up_module.warm_up

    def slow_warm_up(*args: object) -> None:
        time.sleep(1.0)  # still loading when a 10-row run is done
        original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(warm_up_module, "warm_up", slow_warm_up)
    data, rule_file = _corpus(tmp_path, ONE_KERNEL)
    run_curate([data], rule_file, tmp_path / "run")
    assert len(warm_up_threads) == 1
    assert not warm_up_threads[0].is_alive()
    assert not warm_up_threads[0].daemon  # a process never finalizes while it is inside numba


def test_a_rerun_whose_metrics_are_all_cached_starts_no_warm_up(
    tmp_path: Path, warm_up_threads: list[threading.Thread]
) -> None:
    data, rule_file = _corpus(tmp_path, ONE_KERNEL)
    first = run_curate([data], rule_file, tmp_path / "run")
    assert len(warm_up_threads) == 1  # a cold metric cache: the kernel loads while the mappers run
    rule_file.write_text(ONE_KERNEL.replace("max_run: 12", "max_run: 13"), encoding="utf-8")
    again = run_curate([data], rule_file, tmp_path / "run")
    assert len(warm_up_threads) == 1  # the threshold changed, the metric is on disk: no second thread
    assert again.stats["stages"]["checks"]["cache"]["values_computed"] == 0
    assert again.frame["metric.max_char_run"].to_list() == first.frame["metric.max_char_run"].to_list()
    # new rows: the metric's file is there but misses them; the stage loads the kernel on its first call
    data.write_text(json.dumps([*ROWS, {"instruction": "Shout.", "input": "", "output": "A" * 40}]))
    grown = run_curate([data], rule_file, tmp_path / "run")
    assert len(warm_up_threads) == 1
    assert grown.frame["metric.max_char_run"].to_list()[-1] == 40.0


# A fresh process: which kernels a run loaded (numba dispatchers holding a compiled or cached signature).
_LOADED = """
import importlib, pkgutil, threading
from numba.core.registry import CPUDispatcher
import winnow.curation.kernels

def loaded():
    for thread in threading.enumerate():
        if thread.name == "winnow-kernels-warm-up":
            thread.join()
    names = set()
    for info in pkgutil.iter_modules(winnow.curation.kernels.__path__):
        module = importlib.import_module(f"winnow.curation.kernels.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__ and value.signatures:
                names.add(f"{info.name}.{name}")
    return sorted(names)
"""


def _in_fresh_process(code: str, cwd: Path) -> list[str]:
    script = _LOADED + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_run_loads_only_the_kernels_its_checks_call(tmp_path: Path) -> None:
    data, rule_file = _corpus(tmp_path, ONE_KERNEL)
    loaded = _in_fresh_process(
        f"""
        import json
        from winnow.curation.run_curate import run_curate
        run_curate([{str(data)!r}], {str(rule_file)!r}, {str(tmp_path / "run")!r})
        print(json.dumps(loaded()))
        """,
        Path(__file__).resolve().parents[2],
    )
    assert "runs._longest" in loaded
    assert set(loaded) <= {"runs._longest", "utf8.decode"}  # decode: compiled with _longest when not cached


def test_the_warm_up_loads_every_kernel_the_default_checks_call_on_real_rows(tmp_path: Path) -> None:
    corpus = shared_path("llama_factory_demo", "alpaca_zh_demo.json")
    loaded = _in_fresh_process(
        f"""
        import json
        import polars as pl
        from winnow.curation.io.read import read_corpus
        from winnow.curation.kernels.warm_up import kernel_rules, warm_up
        from winnow.curation.rulefile.load import load_rule_file
        from winnow.curation.run_curate import curate_frame
        from winnow.rules import shipped_rule_file

        rules = load_rule_file(shipped_rule_file("default"))
        warm_up(kernel_rules(rules.sections["checks"]))
        before = loaded()
        frame = read_corpus([{str(corpus)!r}]).records.head(400)
        curate_frame(frame, rules, only_stages=["mappers", "checks"])
        print(json.dumps([name for name in loaded() if name not in before]))
        """,
        Path(__file__).resolve().parents[2],
    )
    assert loaded == []  # the checks compiled or loaded nothing the warm-up had not


def test_loading_a_rule_file_loads_no_kernel(tmp_path: Path) -> None:
    """The load builds every check but evaluates only the plain Polars ones on its sample row (a bad regex is
    still reported there); the kernels are left to the warm-up, which overlaps reading the input."""
    loaded = _in_fresh_process(
        """
        import json
        from winnow.curation.rulefile.load import load_rule_file
        from winnow.rules import shipped_rule_file

        load_rule_file(shipped_rule_file("default"))
        print(json.dumps(loaded()))
        """,
        Path(__file__).resolve().parents[2],
    )
    assert loaded == []
