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


def shingle_hashes(
    texts: pl.Series, spec: ShingleSpec, is_cjk: pl.Series | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(hash64 of every shingle occurrence grouped by document, offsets with len(texts) + 1 entries)."""
    frame = shingle_frame(texts, spec, is_cjk)
    # hash each distinct shingle once, then give every document its shingles back (sorted by doc)
    distinct = frame.group_by("shingle").agg("doc")
    hashed = (
        distinct.select(pl.Series("h", sha1_hashes64(distinct["shingle"].cast(pl.Binary).to_list())), "doc")
        .explode("doc")
        .sort("doc")
    )
    counts = np.bincount(hashed["doc"].to_numpy(), minlength=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return hashed["h"].to_numpy().astype(np.uint64), offsets


def sign_batch(
    texts: list[str | None], spec: SignSpec, is_cjk: list[bool] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(signatures (n, num_perm) uint32, band keys (n, bands) uint64, shingle hashes, their offsets).

    The shingle hashes (64-bit, per document) come back so that verification does not shingle again.
    """
    flags = None if is_cjk is None else pl.Series("is_cjk", is_cjk, dtype=pl.Boolean)
    hashes, offsets = shingle_hashes(pl.Series("text", texts, dtype=pl.String), spec.shingles, flags)
    perms = Permutations.create(spec.num_perm, spec.seed, spec.scheme)
    sig = signatures(hashes & np.uint64(0xFFFFFFFF), offsets, perms)
    return sig, band_keys(sig, spec.bands, spec.rows), hashes, offsets
