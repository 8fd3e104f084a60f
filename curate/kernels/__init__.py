"""Compiled kernels (numba) over Arrow string buffers, for text statistics that Polars' string expressions
can only reach with one regex pass each (character classes, runs) or not at all (n-gram counts).

A kernel reads a String column's UTF-8 bytes and offsets once and returns one value (or a few) per row;
checks call it through an elementwise `map_batches`, so they stay Polars expressions and no Python runs
per row. Character classes come from `winnow.curation.kernels.unicode_classes`, a table filled by Polars' own
regex engine, so a kernel counts exactly the characters the equivalent regex matched.

Kernels and helpers are compiled by one decorator (`winnow.curation.kernels.compiled`: njit, nogil, cached, no
C-ABI wrapper), never `inline="always"`: LLVM inlines them into the kernels anyway
(same speed, measured), while numba's own inlining deep-copies their IR into every call site: ~40% of the
first run's compile time (bench/results/first_run.md; tests/kernels/test_kernels_compile.py keeps it so). Kernels are compiled lazily,
on first call, and cached on disk by numba (`cache=True`); `winnow.curation.kernels.warm_up` loads the ones a rule
file uses ahead of time.

`KERNELS_VERSION` is part of the metric cache identity of every value a kernel computes: bump it when a
kernel's results change.
"""

KERNELS_VERSION = 1
