"""Data parallel without code changes: two CPU ranks (gloo, the env vars torchrun sets) give the same
loss curve as one process accumulating the same two micro-batches per step."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

import pytest
import torch.multiprocessing as mp

from tests.train.train_shardkit import alpaca_pairs, stories_dir, write_shards
from winnow.trainer.progress import read_metrics

KNOBS = [
    "loop.max_steps=5",
    "data.max_tokens=384",
    "optim.lr=3e-3",
    "loop.save_every=5",
    "loop.eval_every=100",
]


def _rank(rank: int, port: int, shards: str, out: str) -> None:
    import torch
    from rich.console import Console

    from winnow.trainer.config import load_config
    from winnow.trainer.loop import train

    torch.set_num_threads(1)
    os.environ.update(
        {
            "WORLD_SIZE": "2",
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
        }
    )
    train(
        Path(shards),
        str(stories_dir()),
        load_config(None, KNOBS),
        Path(out),
        console=Console(file=io.StringIO()),
    )
    torch.distributed.destroy_process_group()


@pytest.mark.slow
def test_two_ranks_match_one_process_with_accumulation(tmp_path: Path) -> None:
    import torch
    from rich.console import Console

    from winnow.trainer.config import load_config
    from winnow.trainer.loop import train

    shards = write_shards(
        tmp_path / "s", {"train": alpaca_pairs(64), "val": alpaca_pairs(8, 900)}, max_len=96
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mp.spawn(_rank, args=(port, str(shards), str(tmp_path / "ddp")), nprocs=2, join=True)

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        single = load_config(None, [*KNOBS, "optim.grad_accum=2"])
        train(shards, str(stories_dir()), single, tmp_path / "one", console=Console(file=io.StringIO()))
    finally:
        torch.set_num_threads(before)

    def curve(out: Path) -> list[tuple[int, float, int]]:
        rows = read_metrics(out / "metrics.jsonl")
        return [(r["step"], r["loss"], r["trained_tokens"]) for r in rows if r["kind"] == "train"]

    ddp, one = curve(tmp_path / "ddp"), curve(tmp_path / "one")
    assert [s for s, _, _ in ddp] == [1, 2, 3, 4, 5]
    assert [t for _, _, t in ddp] == [t for _, _, t in one]  # token counts all-reduced over both ranks
    for (_, a, _), (_, b, _) in zip(ddp, one, strict=True):
        assert a == pytest.approx(b, rel=1e-5)
