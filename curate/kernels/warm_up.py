"""Load the compiled kernels a rule file's checks call, in a thread, while the mappers run.

The first call of a numba kernel in a process loads its machine code from numba's cache (~0.6 s for
all of them, holding the GIL) or, the first time ever or after a kernel changed, compiles it (~1 s of
CPU per kernel, see bench/results/first_run.md). Started when a run begins, this overlaps the mappers
stage, which runs inside Polars without the GIL.

Which kernels: those the checks' own expressions call. The rules whose expressions (or the field and
derived columns they read) hold a Python callback are evaluated, exactly as the checks stage builds them,
on a few made-up rows that reach every gate (a code fence, a tag, brackets, repeated lines and turns). So
a rule file without checks, or whose checks are all Polars expressions, starts no thread and touches no
numba, and a rule file reading one kernel loads that one.

A re-run whose metric cache holds every metric of those rules (whatever rows it holds) starts no thread: the
checks stage takes the values from there and calls no kernel (loading them cost such a re-run ~0.5 CPU-s); a
kernel the stage does call after all (new rows) loads on that first call, as it would without a warm-up.

The thread is not a daemon and `WarmUp.join` is called before the run returns (`run_stages`): a process
must never finalize while the thread is inside numba or LLVM (it aborted with `Fatal Python error:
PyGILState_Release` when a fast run exited while the kernels were still compiling). A failure here is
ignored: the real call raises it again, where it can be reported.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from winnow.curation.checks.engine import BuiltRule

THREAD_NAME = "winnow-kernels-warm-up"

_CODE_REPLY = (
    "Here it is (in Python):\n\n```python\nprint('<b>hello</b>')\n```\n\n"
    "The same line.\nThe same line.\nThe same line.\n\nThe same line.\n\nThe same line.\n\n"
    "It prints `hello` [once, as (asked"
)
# One row per shape of input the checks tell apart: a single-turn reply with an input and a system prompt,
# a conversation whose turns repeat, a preference pair.
SAMPLE_ROWS: tuple[dict[str, Any], ...] = (
    {
        "kind": "sft",
        "system": "You are a helpful assistant.",
        "messages": [
            {"role": "user", "content": "Write a function that prints <b>hello</b> (once)."},
            {"role": "assistant", "content": _CODE_REPLY},
        ],
        "input": "hello",
        "task": "code",
    },
    {
        "kind": "sft",
        "messages": [
            {"role": "user", "content": "Say it again, say it again."},
            {"role": "assistant", "content": "Say it again, say it again."},
            {"role": "user", "content": "Say it again, say it again."},
            {"role": "assistant", "content": "你好，你好。"},
        ],
    },
    {
        "kind": "preference",
        "messages": [{"role": "user", "content": "Which one? <i>pick</i>"}],
        "chosen": "The first one (it is shorter).",
        "rejected": "The second one, the second one.",
    },
)


def calls_python(expr: pl.Expr) -> bool:
    """True when `expr` holds a Python callback (a kernel call, a gated part): the expressions Polars cannot
    serialize (as `winnow.curation.cache.expression_definition` relies on too)."""
    try:
        expr.meta.serialize(format="json")
    except Exception:
        return True
    return False


def kernel_rules(checks: object) -> list[BuiltRule]:
    """The built rules of a `checks` section whose evaluation calls Python (and so, maybe, a kernel)."""
    from winnow.curation.checks.engine import build_rule
    from winnow.curation.checks.section import ChecksConfig
    from winnow.curation.checks.stage import preparation

    if not isinstance(checks, ChecksConfig):
        return []
    rules = []
    for built in (build_rule(rule, materialized=True) for rule in checks.rules):
        read = [expr for level in preparation([built]).levels for expr in level.values()]
        if any(calls_python(expr) for expr in [_evaluated(built), *read]):
            rules.append(built)
    return rules


def _evaluated(built: BuiltRule) -> pl.Expr:
    """What the checks stage evaluates for a rule (winnow.curation.checks.stage.metric_values)."""
    return built.metric if built.metric is not None else built.fails


def warm_up(rules: Sequence[BuiltRule]) -> None:
    """Evaluate `rules` on SAMPLE_ROWS, with the columns they read: every kernel they call is loaded."""
    from winnow.curation.checks.stage import preparation
    from winnow.curation.record import frame_from_rows

    if not rules:
        return
    sample = preparation(list(rules))(frame_from_rows(list(SAMPLE_ROWS)).lazy())
    sample.select([_evaluated(b).alias(f"__warm{i}") for i, b in enumerate(rules)]).collect()


@dataclass
class WarmUp:
    """A started warm-up (or none, when no rule calls a kernel)."""

    thread: threading.Thread | None = None

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _quietly(rules: Sequence[BuiltRule]) -> None:
    with contextlib.suppress(Exception):  # the real call raises it again, where it is reported
        warm_up(rules)


def start_warm_up(checks: object, cache_dir: Path | None = None) -> WarmUp:
    """Start loading the kernels the rules of `checks` (a parsed `checks` section, or None) call; join the
    returned WarmUp before the run returns. None is started when the metric cache under `cache_dir` holds
    every metric those rules compute: a re-run that changed thresholds takes them all from there."""
    from winnow.curation.cache import MetricCache
    from winnow.curation.checks.stage import metrics_on_disk

    try:
        rules = kernel_rules(checks)
        if not rules or (cache_dir is not None and metrics_on_disk(rules, MetricCache(cache_dir))):
            return WarmUp()
    except Exception:  # an invalid rule is reported by the checks stage, not here
        return WarmUp()
    thread = threading.Thread(target=_quietly, args=(rules,), name=THREAD_NAME, daemon=False)
    thread.start()
    return WarmUp(thread)
