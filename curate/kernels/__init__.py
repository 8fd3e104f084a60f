"""Compiled kernels (numba) over Arrow string buffers, for text statistics that Polars' string expressions
can only reach with one regex pass each (character classes, runs) or not at all (n-gram counts).

A kernel reads a String column's UTF-8 bytes and offsets once and returns one value (or a few) per row;
checks call it through an elementwise `map_batches`, so they stay Polars expressions and no Python runs
per row. Character classes come from `curate.kernels.unicode_classes`, a table filled by Polars' own
regex engine, so a kernel counts exactly the characters the equivalent regex matched.

`KERNELS_VERSION` is part of the metric cache identity of every value a kernel computes: bump it when a
kernel's results change.
"""

KERNELS_VERSION = 1
