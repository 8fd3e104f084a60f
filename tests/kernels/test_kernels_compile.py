"""What the first run compiles (issue 23, item 11): no helper is inlined by numba (its IR copied into every
call site cost ~40% of the cold compile time, and LLVM inlines the helpers anyway), and every kernel
compiles for one signature whatever its input looks like (no recompile on an empty, null, sliced or
chunked column). Helpers called from several kernels may compile once per caller's argument types (a
constant argument is typed as its literal value), as part of that caller's compilation."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import polars as pl
import pytest
from numba.core.registry import CPUDispatcher

import winnow.curation.kernels
from winnow.curation.kernels.brackets import unclosed_series
from winnow.curation.kernels.char_counts import char_counts_series
from winnow.curation.kernels.echo import echo_series
from winnow.curation.kernels.joined_counts import joined_counts
from winnow.curation.kernels.ngrams import DUP, ngram_share_series
from winnow.curation.kernels.repeated_pieces import LINES, repeated_fraction_series
from winnow.curation.kernels.repeated_turns import repeated_turn_series
from winnow.curation.kernels.runs import longest_run_series


def _dispatchers() -> dict[str, CPUDispatcher]:
    found = {}
    for info in pkgutil.iter_modules(winnow.curation.kernels.__path__):
        module = importlib.import_module(f"{winnow.curation.kernels.__name__}.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                found[f"{info.name}.{name}"] = value
    return found


def test_every_compiled_function_is_built_by_the_shared_decorator() -> None:
    # kernels.compiled: nogil, cached, and no C-ABI wrapper (nothing calls one; ~7% of a first run's compile)
    from winnow.curation.dedup import candidates, clusters, lsh, minhash, shingle_kernel, snapshot, verify
    from winnow.curation.language import script_kernel

    dispatchers = dict(_dispatchers())
    for module in (candidates, clusters, lsh, minhash, shingle_kernel, snapshot, verify, script_kernel):
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                dispatchers[f"{module.__name__}.{name}"] = value
    assert len(dispatchers) > 20
    options = {
        (d.targetoptions.get("nogil"), d.targetoptions.get("no_cfunc_wrapper")) for d in dispatchers.values()
    }
    assert options == {(True, True)}
    assert all(d._cache.__class__.__name__ == "FunctionCache" for d in dispatchers.values())  # cache=True


def test_no_kernel_function_is_inlined_by_numba() -> None:
    dispatchers = _dispatchers()
    assert len(dispatchers) > 10
    inlined = [name for name, d in dispatchers.items() if d.targetoptions.get("inline", "never") != "never"]
    assert inlined == []


SHAPES = {
    "plain": pl.Series("t", ["a b a b\n\na b", None]),
    "empty": pl.Series("t", [], dtype=pl.String),
    "all null": pl.Series("t", [None, None], dtype=pl.String),
    "all empty": pl.Series("t", ["", ""]),
    "sliced": pl.Series("t", ["x", "y (y", "zzz"]).slice(1, 2),
    "chunked": pl.concat([pl.Series("t", ["a"]), pl.Series("t", ["b b"])], rechunk=False),
}


def _kernels() -> dict[str, CPUDispatcher]:
    """The dispatchers called from Python: those no compiled function calls."""
    dispatchers = _dispatchers()
    called = {name for d in dispatchers.values() for name in d.py_func.__code__.co_names}
    return {key: d for key, d in dispatchers.items() if key.split(".")[1] not in called}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_kernel_has_one_signature_whatever_the_input(shape: str) -> None:
    texts = SHAPES[shape]
    lists = pl.select(pl.concat_list(pl.lit(texts), pl.lit(texts))).to_series()
    char_counts_series(texts)
    longest_run_series(texts, 2)
    unclosed_series(texts, pairs=(("(", ")"),))
    ngram_share_series(texts, mode=DUP, n=2, min_tokens=0, min_chars=0)
    repeated_fraction_series(texts, mode=LINES, minimum=2)
    echo_series(
        pl.struct(texts.alias("reply"), texts.alias("instruction"), texts.alias("input"), eager=True),
        min_prefix_chars=1,
    )
    repeated_turn_series(lists, min_chars=1)
    pl.DataFrame({"a": texts, "m": lists}).select(joined_counts([pl.col("a"), pl.col("m")], pl.lit(True)))
    kernels = _kernels()
    assert {"char_counts._count", "echo._echoes", "joined_counts._add_lists"} <= set(kernels)
    assert "utf8.decode" not in kernels
    several = {name: len(d.signatures) for name, d in kernels.items() if len(d.signatures) > 1}
    assert several == {}


def test_registries_load_in_a_thread_that_is_joined_when_the_body_ends() -> None:
    # a fresh process: no kernel has run, so numba's registries (its NumPy support) are not loaded yet
    script = """
import sys, threading
from winnow.curation.kernels.compiled import registries_loading
before = "numba.np.arraymath" in sys.modules
with registries_loading():
    pass
print(before, "numba.np.arraymath" in sys.modules, threading.active_count())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True", "1"]
