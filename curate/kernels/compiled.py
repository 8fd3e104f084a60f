"""The numba decorator of every compiled kernel and helper (winnow.curation.kernels and dedup's kernels): the
options they share, in one place.

    @compiled
    def _longest(data: np.ndarray, offsets: np.ndarray, table: np.ndarray, out: np.ndarray) -> None: ...

- nogil: the kernels run inside Polars' worker threads and dedup's, side by side;
- cache: compiled once per install and CPU, then loaded from numba's cache (the first run after an install
  compiles, see bench/results/first_run.md);
- no_cfunc_wrapper: numba otherwise gives every compiled function a C-ABI wrapper too, for `numba.cfunc`
  callers and first-class function values, which nothing here is: without it the first run compiles ~7%
  less. The functions' own code is unchanged (their optimised LLVM IR compared, signature by signature).
  The CPython wrapper stays: kernels are called from Python, and a helper called from Python without one
  would crash the process instead of raising.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numba
from numba.core.dispatcher import Dispatcher

F = TypeVar("F", bound=Callable[..., object])


def compiled(function: F) -> Dispatcher[F]:
    """`numba.njit(function)` with the shared options (no_cfunc_wrapper is one numba's type stubs leave out)."""
    return numba.njit(function, nogil=True, cache=True, no_cfunc_wrapper=True)  # type: ignore[call-overload]
