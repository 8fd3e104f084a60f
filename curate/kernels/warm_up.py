"""Load the compiled kernels in a background thread while earlier work runs.

The first call of a numba kernel in a process loads its machine code from numba's cache (or compiles
it, the first time ever): ~0.6 s, holding the GIL. Started when a curate run begins, the loading
overlaps the mappers stage, which runs inside Polars without the GIL. A failure here is ignored: the
real call raises it again, where it can be reported.
"""

from __future__ import annotations

import contextlib
import threading

import polars as pl


def warm_up() -> None:
    """Call every kernel once on a tiny column (and load the character-class table)."""
    from curate.kernels.brackets import unclosed_series
    from curate.kernels.char_counts import char_counts_series
    from curate.kernels.echo import echo_series
    from curate.kernels.ngrams import DUP, ngram_share_series
    from curate.kernels.repeated_pieces import LINES, repeated_fraction_series
    from curate.kernels.repeated_turns import repeated_turn_series
    from curate.kernels.runs import longest_run_series

    texts = pl.Series("t", ["a b a b", None], dtype=pl.String)
    char_counts_series(texts)
    unclosed_series(texts, pairs=(("(", ")"),))
    longest_run_series(texts, 4)
    ngram_share_series(texts, mode=DUP, n=2, min_tokens=0, min_chars=0)
    repeated_fraction_series(texts, mode=LINES, minimum=2)
    repeated_turn_series(pl.Series("m", [["a", "a"], None]), min_chars=1)
    echo_series(
        pl.struct(texts.alias("reply"), texts.alias("instruction"), texts.alias("input"), eager=True),
        min_prefix_chars=1,
    )


def _quietly() -> None:
    with contextlib.suppress(Exception):  # the real call raises it again, where it is reported
        warm_up()


def start_warm_up() -> threading.Thread:
    thread = threading.Thread(target=_quietly, name="winnow-kernels-warm-up", daemon=True)
    thread.start()
    return thread
