"""Join a Ray cluster (`--ray-address`, or RAY_ADDRESS) or start a local one for the length of a run.

    with ray_cluster(address=None):   # a local cluster: 2 CPUs, an object store of at most 2 GB
        ...

A local cluster gets every CPU it is told (default 2) and an object store capped at OBJECT_STORE_BYTES
(Ray spills blocks beyond it to disk); its workers run Polars on one thread each, since Ray already runs one
task per CPU. A cluster joined by address is left running, a local one is shut down at the end.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import ray
from ray.data import DataContext

OBJECT_STORE_BYTES = 2 * 1024**3
WORKER_ENV = {"POLARS_MAX_THREADS": "1", "RAY_DATA_DISABLE_PROGRESS_BARS": "1"}


@contextmanager
def ray_cluster(address: str | None = None, *, num_cpus: int = 2) -> Iterator[None]:
    address = address or os.environ.get("RAY_ADDRESS") or None
    started = not ray.is_initialized()
    if started:
        runtime_env = {"env_vars": WORKER_ENV}
        if address:
            ray.init(address=address, log_to_driver=False, runtime_env=runtime_env)
        else:
            ray.init(
                num_cpus=num_cpus,
                object_store_memory=OBJECT_STORE_BYTES,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env=runtime_env,
            )
    # Ray Data logs every operator's metrics to the console at INFO/DEBUG: winnow prints its own steps
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    try:
        yield
    finally:
        if started:
            ray.shutdown()
