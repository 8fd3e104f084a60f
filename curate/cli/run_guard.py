"""Is RUNDIR a run of these inputs? `winnow curate` refuses to write a corpus's run over another corpus's run.

    other = other_run_inputs(run_dir, ["data/a.json"])   # None: no run there, or a run of the same files

Writing over a run of other inputs would replace it, keep it as `previous/` and make the report "compare" two
unrelated corpora. Inputs are compared as the files they name (folders and globs expanded, paths resolved), so
`data/*.json` and the files it matches, or `./a.json` and `/abs/a.json`, are the same inputs; where the
recorded inputs are gone (moved, deleted), their absolute paths are compared as written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from winnow.curation.errors import WinnowError
from winnow.curation.io.expand import expand


def _files(inputs: Sequence[str]) -> frozenset[str]:
    try:
        sources, _ = expand(list(inputs))
    except (WinnowError, OSError):
        return frozenset(os.path.abspath(i) for i in inputs)
    return frozenset(f"{source.path.resolve()}|{source.name if source.fmt else ''}" for source in sources)


def recorded_inputs(run_dir: Path) -> list[str] | None:
    """The inputs stats.json of the run in `run_dir` records (None: no readable run there)."""
    try:
        stats = json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    inputs = stats.get("inputs") if isinstance(stats, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        return None
    return inputs


def other_run_inputs(run_dir: Path, inputs: Sequence[str]) -> list[str] | None:
    """The recorded inputs of the run in `run_dir` when they name other files than `inputs`, else None."""
    recorded = recorded_inputs(run_dir)
    if recorded is None or _files(recorded) == _files(inputs):
        return None
    return recorded


def names(inputs: Sequence[str], shown: int = 3) -> str:
    """`a.json, b.json, c.json and 2 more`."""
    listed = ", ".join(inputs[:shown])
    return listed + (f" and {len(inputs) - shown} more" if len(inputs) > shown else "")
