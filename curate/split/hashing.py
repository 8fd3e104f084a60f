"""Stable uniform numbers from strings: blake2b(salt + key) → [0, 1), for split assignment and mix priority.

BLAKE2b, not Polars' `Expr.hash` (which changes between Polars versions): the same key gives the same number
on every machine and every version, so splits and mixes are reproducible and independent of row order.
A large column is hashed by the compiled pass (winnow.curation.kernels.blake2b: 1M keys ~0.25 CPU-s instead
of ~0.7 for hashlib called per key from Python), and so is a smaller one when the kernel is in numba's cache
and another stage's kernel has run in this process (numba's first call costs ~0.3 s, which a re-run that
calls no other kernel would pay for this one alone). Otherwise hashlib: a small run does not pay the kernel's
compile (~1.5 CPU-s, once per install; a run of 100k keys or more does, and saves more than that). Both give
the same numbers (tests/kernels/test_kernels_blake2b.py). `cached_uniform_hashes` reads numbers hashed by an
earlier run back from the stage cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from winnow.curation.kernels.blake2b import _blake2b64, blake2b64
from winnow.curation.kernels.compiled import in_numba_cache, kernel_loaded
from winnow.curation.stage_cache import StageCache, StageOutput, code_digest, column_digest

# keys from which the kernel is used even when no other kernel has run: its compile (~1.5 CPU-s, once per
# install) is paid by the first run this large, and every later run with 100k keys or more saves ~0.1 s per
# 100k (a run this large loads numba for other stages anyway). 500k kept a 1M-row corpus, whose ~470k kept
# rows and ~470k split units both stay below it, on hashlib (~0.45 s each) on every run
COMPILE_FROM = 100_000
CACHED_FROM = 20_000  # keys from which reading the numbers back beats hashing them again
HASHES_STAGE = "hashes"  # its entries in the stage cache


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


def cached_uniform_hashes(keys: pl.Series, salt: str, cache_dir: Path | None) -> np.ndarray:
    """uniform_hashes(keys, salt), read back from the stage cache when these very keys (in this order) were
    hashed with this salt before: a re-run that changed nothing they depend on (the mix's kept ids after a
    flag rule's threshold changed) read 1M numbers in ~10 ms instead of hashing (~0.5 s without the kernel)."""
    if cache_dir is None or len(keys) < CACHED_FROM:
        return uniform_hashes(keys, salt)
    cache = StageCache(cache_dir)
    key = StageCache.key(
        HASHES_STAGE,
        keys=column_digest(keys.to_frame("key"), ["key"]),
        salt=salt,
        code=code_digest("split/hashing.py", "kernels/blake2b.py"),
    )
    hit = cache.load(HASHES_STAGE, key)
    if hit is not None and hit.columns.height == len(keys) and "u" in hit.columns.columns:
        return hit.columns.get_column("u").to_numpy()
    values = uniform_hashes(keys, salt)
    cache.save(HASHES_STAGE, key, StageOutput(pl.DataFrame({"u": values})))
    return values
