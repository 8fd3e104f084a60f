"""Two threads for passes over the whole corpus that numpy and the compiled kernels run without the GIL (dedup's,
the split's and the mix's hashes).

    codes = thread_map(one_band, bands)

After signing (worker processes on every core), bucketing and verification ran on the main thread while the
other core idled: at 1M rows ~40 s of one core. Their sorts (numpy releases the GIL while sorting) and
kernels (compiled with nogil) split into independent pieces (bands, ranges of codes, signing batches, halves
of a pair list), so two threads halve their wall time; the results are the same pieces in the same order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


THREADS = max(1, min(2, available_cores()))  # more threads would hold more pieces in memory at once
# rows per piece when a column is cut in pieces for the threads (below this, one piece: starting threads and
# joining the pieces would cost more than the second core gives)
PIECE_ROWS = 50_000


def thread_map(function: Callable[[T], R], items: Iterable[T], threads: int = THREADS) -> list[R]:
    """[function(item) for item in items], on `threads` threads, in order."""
    items = list(items)
    if threads <= 1 or len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(threads, len(items)), thread_name_prefix="winnow-dedup") as pool:
        return list(pool.map(function, items))


def row_pieces(rows: int, least: int = PIECE_ROWS) -> list[tuple[int, int]]:
    """(start, stop) of the pieces a pass over `rows` rows is cut into for the threads: one per thread, each of
    `least` rows or more, in order and covering every row; a single piece (0, rows) below that."""
    pieces = max(1, min(THREADS, rows // least))
    step = max(1, -(-rows // pieces))
    return [(start, min(start + step, rows)) for start in range(0, rows, step)] or [(0, 0)]
