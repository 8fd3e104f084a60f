"""Signatures and band keys for one batch of normalized texts (runs in worker processes).

Each distinct shingle of the batch is SHA-1 hashed once (planted copies and boilerplate share most
shingles), then every occurrence is permuted and min-reduced per document in numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from curate.dedup.lsh import band_keys
from curate.dedup.minhash import Permutations, sha1_hashes64, signatures
from curate.dedup.shingles import ShingleSpec, shingle_frame


@dataclass(frozen=True)
class SignSpec:
    """Everything a worker needs to sign a batch (plain values, cheap to send to a process)."""

    shingles: ShingleSpec
    num_perm: int
    seed: int
    scheme: str
    bands: int
    rows: int


def shingle_hashes(texts: pl.Series, spec: ShingleSpec) -> tuple[np.ndarray, np.ndarray]:
    """(hash64 of every shingle occurrence grouped by document, offsets with len(texts) + 1 entries)."""
    frame = shingle_frame(texts, spec)
    distinct = frame.select(pl.col("shingle").unique())["shingle"]
    hashes = pl.DataFrame({"shingle": distinct, "h": sha1_hashes64(distinct.to_list())})
    # a left join keeps the left order (sorted by doc), which the offsets below rely on
    hashed = frame.join(hashes, on="shingle", how="left", maintain_order="left")
    counts = np.bincount(hashed["doc"].to_numpy(), minlength=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return hashed["h"].to_numpy().astype(np.uint64), offsets


def sign_batch(texts: list[str | None], spec: SignSpec) -> tuple[np.ndarray, np.ndarray]:
    """(signatures (n, num_perm) uint32, band keys (n, bands) uint64) of one batch."""
    hashes, offsets = shingle_hashes(pl.Series("text", texts, dtype=pl.String), spec.shingles)
    perms = Permutations.create(spec.num_perm, spec.seed, spec.scheme)
    sig = signatures(hashes & np.uint64(0xFFFFFFFF), offsets, perms)
    return sig, band_keys(sig, spec.bands, spec.rows)
