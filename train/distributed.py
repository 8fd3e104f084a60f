"""Data parallel without code changes: under torchrun / accelerate launch (WORLD_SIZE > 1) the process
group is initialised from the environment; otherwise everything here is a no-op on one process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass
class World:
    rank: int = 0
    local_rank: int = 0
    size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def all_sum(self, value: float, device: torch.device) -> float:
        """Sum of a number over all ranks (token counts, loss sums)."""
        if self.size == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=device)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return float(tensor.item())

    def barrier(self) -> None:
        if self.size > 1:
            dist.barrier()


def init_world() -> World:
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World()
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if torch.cuda.is_available():
            torch.cuda.set_device(local_rank)
        dist.init_process_group(backend=backend)
    return World(rank, local_rank, size)


def pick_device(world: World) -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda", world.local_rank)
    return torch.device("cpu")


def shard_for_rank(items: list[Any], world: World, *, drop_tail: bool = True) -> list[Any]:
    """Rank r takes items r, r+N, ... Training drops the tail that does not divide evenly, so every rank
    runs the same number of steps (DDP syncs in backward); evaluation keeps it (only sums are reduced)."""
    usable = len(items) - len(items) % world.size if drop_tail else len(items)
    return items[world.rank : usable : world.size]
