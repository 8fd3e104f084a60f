"""`winnow curate --engine ray`: the same rule file on Ray Data, the same run folder as the local engine.

    winnow curate data/*.jsonl --rules rules/default.yaml -o runs/r1 --engine ray [--ray-address auto]

What runs where:
    driver   plans the read (sources, byte ranges of big JSONL files), gathers the rows' id digests to
             number identical rows (winnow.curation.io.ids), runs the global stages and writes the run folder
    workers  read their sources or byte ranges into blocks (quarantined lines are rows of their own), run the
             row-local stages (winnow.curation.run_curate.curate_rows: mappers, checks, language) per block,
             each block with its own metric and stage cache folder, and hand back each block's statistics

Ray Data is an optional extra (`pip install 'winnow[ray]'`): nothing here imports it at module level
except winnow.curation.ray_engine.cluster and the modules that run on it, and `require_ray` turns its
absence into one clear message.
"""

from __future__ import annotations

import importlib.util

from winnow.curation.errors import UsageError

RAY_EXTRA = "pip install 'winnow[ray]'"


def require_ray() -> None:
    """Raise a UsageError naming the extra to install when Ray Data is not importable."""
    if importlib.util.find_spec("ray") is None or importlib.util.find_spec("ray.data") is None:
        raise UsageError("--engine ray needs Ray Data, which is not installed", hint=RAY_EXTRA)
