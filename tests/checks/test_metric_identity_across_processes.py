"""A metric's cache identity is the same in every process: string hash seeds (which order sets) change from one
process to the next, and a re-run or a Ray worker is a new process. Found by the ray engine's re-run test:
9 of the default rules' 33 metrics were computed again on every re-run (their alternations were built from sets)."""

from __future__ import annotations

import os
import subprocess
import sys

IDENTITIES = """
import polars as pl
from winnow.curation.cache import metric_identity
from winnow.curation.checks.stage import _metric_fallback, build_rule, reads
from winnow.curation.rulefile.load import load_rule_file
from winnow.rules import shipped_rule_file
for rule in load_rule_file(shipped_rule_file("default")).sections["checks"].rules:
    built = build_rule(rule, materialized=True)
    expr = built.metric if built.metric is not None else built.fails.cast(pl.Float64)
    print(rule.name, metric_identity(expr, _metric_fallback(built), reads(expr)))
"""


def _identities(seed: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", IDENTITIES], env=env, capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout.splitlines()


def test_default_rules_metric_identities_do_not_depend_on_the_hash_seed() -> None:
    first, second = _identities("1"), _identities("2")
    assert len(first) == 33
    assert first == second
