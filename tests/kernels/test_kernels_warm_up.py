"""Loading the kernels ahead of time: every kernel runs on the tiny inputs, in a thread too."""

from __future__ import annotations

from curate.kernels.warm_up import start_warm_up, warm_up


def test_warm_up_runs_every_kernel() -> None:
    warm_up()  # raises if a kernel fails on the tiny inputs
    thread = start_warm_up()
    thread.join(timeout=60)
    assert not thread.is_alive()
