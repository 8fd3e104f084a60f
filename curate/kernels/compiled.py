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

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numba
from numba.core.dispatcher import Dispatcher

F = TypeVar("F", bound=Callable[..., object])


_MADE: list[Dispatcher[Any]] = []  # every function `compiled` made (kernel_loaded reads their signatures)


def compiled(function: F) -> Dispatcher[F]:
    """`numba.njit(function)` with the shared options (no_cfunc_wrapper is one numba's type stubs leave out)."""
    dispatcher = numba.njit(function, nogil=True, cache=True, no_cfunc_wrapper=True)  # type: ignore[call-overload]
    _MADE.append(dispatcher)
    return dispatcher


def in_numba_cache(dispatcher: object) -> bool:
    """Whether numba's cache holds machine code of `dispatcher` for this source and this CPU (read from its
    index, as numba reads it before compiling; numba's private API, so any surprise counts as 'no'). A few
    milliseconds: callers ask it to choose between a compiled pass and a plain one on a first run."""
    try:
        magic = dispatcher.targetctx.codegen().magic_tuple()  # type: ignore[attr-defined]
        overloads = dispatcher._cache._cache_file._load_index()  # type: ignore[attr-defined]
        return any(key[1] == magic for key in overloads)
    except Exception:
        return False


def kernel_loaded() -> bool:
    """Whether a compiled function has been called in this process: numba then has loaded its typing and
    lowering registries (~0.3 s, paid by the first call, compiled or read from the cache). A pass with a
    plain-Python fallback uses its kernel once this is paid anyway; before, a small input is cheaper without."""
    return any(dispatcher.signatures for dispatcher in _MADE)


def _load_registries() -> None:
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target

    with contextlib.suppress(Exception), global_compiler_lock:  # a kernel's first call raises it, reported
        cpu_target.target_context.refresh()  # what a kernel's first call (compiled or cached) does first


@contextlib.contextmanager
def registries_loading() -> Iterator[None]:
    """Load numba's typing and lowering registries in a thread while the body runs, when no kernel has run yet
    in this process. A kernel's first call pays it otherwise, holding the GIL (~0.7 s wall at 1M rows: numba
    imports its NumPy support, which imports SciPy's linear algebra); a body that works in Polars (without the
    GIL) until its first kernel call hides most of it. The thread takes numba's compiler lock, as a kernel's
    first call does, and is joined before the body's end is left: a process must never finalize while a thread
    is inside numba (winnow.curation.kernels.warm_up)."""
    if kernel_loaded():
        yield
        return
    thread = threading.Thread(target=_load_registries, name="winnow-numba-registries", daemon=False)
    thread.start()
    try:
        yield
    finally:
        thread.join()
