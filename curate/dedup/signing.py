"""Signatures and band keys for one batch of normalized texts (runs in worker processes).

Every shingle occurrence is cut from the texts' bytes and hashed in one compiled pass (mix64:
winnow.curation.dedup.shingle_mix; sha1: winnow.curation.dedup.shingle_kernel), then permuted and min-reduced
per document (winnow.curation.dedup.minhash).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from winnow.curation.dedup.lsh import band_keys
from winnow.curation.dedup.minhash import Permutations, signatures
from winnow.curation.dedup.shingle_kernel import shingle_sha1
from winnow.curation.dedup.shingle_mix import shingle_mix64
from winnow.curation.dedup.shingles import ShingleSpec, prepared


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
    """(hash64 of every shingle occurrence grouped by document, offsets with len(texts) + 1 entries).

    One compiled pass cuts every shingle from the texts' bytes and hashes it as `spec.hash` says (mix64 or
    sha1); `is_cjk` (per text) skips the script detection when the caller already has it.
    """
    if is_cjk is None:
        is_cjk = prepared(texts, spec)["is_cjk"]
    kernel = shingle_sha1 if spec.hash == "sha1" else shingle_mix64
    return kernel(texts, is_cjk, word_ngram=spec.word_ngram, char_ngram=spec.char_ngram)


def sign_batch(
    texts: list[str | None] | pl.Series, spec: SignSpec, is_cjk: list[bool] | pl.Series | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(signatures (n, num_perm) uint32, band keys (n, bands) uint64, shingle hashes, their offsets).

    Lists are what a worker process is sent; in this process the Series slices are used as they are.
    The shingle hashes (64-bit, per document) come back so that verification does not shingle again.
    """
    flags = (
        is_cjk
        if is_cjk is None or isinstance(is_cjk, pl.Series)
        else pl.Series("is_cjk", is_cjk, dtype=pl.Boolean)
    )
    text = texts if isinstance(texts, pl.Series) else pl.Series("text", texts, dtype=pl.String)
    hashes, offsets = shingle_hashes(text, spec.shingles, flags)
    perms = Permutations.create(spec.num_perm, spec.seed, spec.scheme)
    sig = signatures(hashes & np.uint64(0xFFFFFFFF), offsets, perms)
    return sig, band_keys(sig, spec.bands, spec.rows), hashes, offsets
