"""Stable uniform numbers from strings: blake2b(salt + key) → [0, 1), for split assignment and mix priority.

BLAKE2b, not Polars' `Expr.hash` (which changes between Polars versions): the same key gives the same number
on every machine and every version, so splits and mixes are reproducible and independent of row order.
A large column is hashed by the compiled pass (winnow.curation.kernels.blake2b: 1M keys ~0.25 CPU-s instead
of ~0.7 for hashlib called per key from Python), and so is a smaller one once the kernel is in numba's cache
another stage's kernel has run in this process (numba's first call costs ~0.3 s, which a re-run that calls
no other kernel would pay for this one alone). Otherwise hashlib: a first run does not wait for the kernel's compile
(~1.5 CPU-s, done meanwhile in the background process). Both give the same numbers
(tests/kernels/test_kernels_blake2b.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import polars as pl

from winnow.curation.kernels.blake2b import _blake2b64, blake2b64
from winnow.curation.kernels.compiled import in_numba_cache, kernel_loaded

# keys from which compiling the kernel (once per install) costs less than hashlib's loop over them
COMPILE_FROM = 500_000


def uniform_hashes(keys: Sequence[str] | pl.Series, salt: str) -> np.ndarray:
    """float64 array in [0, 1): the first 8 bytes of blake2b(salt + key), big-endian, over 2**64."""
    prefix = salt.encode("utf-8")
    if len(keys) >= COMPILE_FROM or (len(keys) and kernel_loaded() and in_numba_cache(_blake2b64)):
        series = keys if isinstance(keys, pl.Series) else pl.Series(list(keys), dtype=pl.String)
        values = blake2b64(series, prefix).astype(np.float64)
    else:
        strings = keys.to_list() if isinstance(keys, pl.Series) else keys
        blake2b = hashlib.blake2b
        digests = b"".join(blake2b(prefix + key.encode("utf-8"), digest_size=8).digest() for key in strings)
        values = np.frombuffer(digests, dtype=">u8").astype(np.float64)
    # float64 cannot hold every uint64: values just below 2**64 round up to it; keep the interval half-open
    return np.minimum(values / 2.0**64, np.nextafter(1.0, 0.0))
