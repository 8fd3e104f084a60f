"""Signatures equal datasketch.MinHash bit for bit (its sha1_hash32, or the mix64 hashfunc); (b, r) equal
datasketch's optimum; the S-curve."""

from __future__ import annotations

import itertools
import json

import numpy as np
import polars as pl
import pytest
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from tests.conftest import shared_path
from winnow.curation.dedup.config import NearConfig
from winnow.curation.dedup.lsh import band_keys, optimal_bands_rows, s_curve
from winnow.curation.dedup.minhash import EMPTY32, Permutations, permuted, sha1_hashes64, signatures
from winnow.curation.dedup.near import near_texts
from winnow.curation.dedup.shingle_mix import mix64_hashfunc
from winnow.curation.dedup.shingles import ShingleSpec, prepared, python_shingles
from winnow.curation.dedup.signing import SignSpec, shingle_hashes, sign_batch


def _sample_texts() -> list[str]:
    en = json.loads(shared_path("llama_factory_demo", "alpaca_en_demo.json").read_text("utf-8"))
    zh = json.loads(shared_path("llama_factory_demo", "alpaca_zh_demo.json").read_text("utf-8"))
    rows = en[:25] + zh[:25]
    return [f"{r['instruction']}\n{r['input']}\n{r['output']}" for r in rows] + ["", "x"]


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
def test_signatures_equal_datasketch_on_real_rows(scheme: str) -> None:
    texts = near_texts(pl.Series(_sample_texts()), NearConfig())
    spec = ShingleSpec(hash="sha1")  # datasketch's default hashfunc, sha1_hash32
    is_cjk = prepared(texts, spec)["is_cjk"].to_list()
    assert sum(is_cjk) == 25  # the zh rows are shingled by character
    hashes, offsets = shingle_hashes(texts, spec)
    perms = Permutations.create(128, seed=1, scheme=scheme)
    ours = signatures(hashes & np.uint64(0xFFFFFFFF), offsets, perms, chunk_shingles=500)
    for i, text in enumerate(texts.to_list()):
        reference = MinHash(num_perm=128, seed=1, scheme=scheme)
        for shingle in python_shingles(text or "", is_cjk[i], spec):
            reference.update(shingle.encode("utf-8"))
        assert np.array_equal(reference.hashvalues.astype(np.uint64), ours[i].astype(np.uint64)), i


def test_mix64_signatures_equal_datasketch_given_the_mix64_hashfunc() -> None:
    """The default shingle hash is a datasketch `hashfunc` like any other: given it (the low 32 bits of
    mix64 of the shingle's tokens), datasketch.MinHash makes the same signatures."""
    texts = near_texts(pl.Series(_sample_texts()), NearConfig())
    spec = ShingleSpec()
    assert spec.hash == "mix64"
    is_cjk = prepared(texts, spec)["is_cjk"].to_list()
    hashes, offsets = shingle_hashes(texts, spec)
    ours = signatures(hashes & np.uint64(0xFFFFFFFF), offsets, Permutations.create(128, seed=1))
    for i, text in enumerate(texts.to_list()):
        reference = MinHash(num_perm=128, seed=1, hashfunc=mix64_hashfunc(is_cjk[i]))
        for shingle in python_shingles(text or "", is_cjk[i], spec):
            reference.update(shingle.encode("utf-8"))
        assert np.array_equal(reference.hashvalues.astype(np.uint64), ours[i].astype(np.uint64)), i


def test_compiled_affine32_signatures_equal_the_permuted_blocks() -> None:
    """The compiled pass against numpy's permuted values, document by document (empty documents included),
    on hashes that use all 32 bits and high bits the signature must ignore."""
    rng = np.random.default_rng(24)
    sizes = np.array([3, 0, 1, 40, 0, 7, 200])
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    hashes = rng.integers(0, 2**64 - 1, int(offsets[-1]), dtype=np.uint64)
    perms = Permutations.create(128, seed=7)
    ours = signatures(hashes, offsets, perms)
    low = (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    for d, (start, stop) in enumerate(itertools.pairwise(offsets)):
        expected = permuted(low[start:stop], perms).min(axis=1) if stop > start else np.full(128, EMPTY32)
        assert ours[d].tolist() == expected.astype(np.uint32).tolist(), d
    assert ours.dtype == np.uint32


def test_sha1_hashes_low_bits_are_datasketch_sha1_hash32() -> None:
    from datasketch.hashfunc import sha1_hash32, sha1_hash64

    words = ["hello world", "你好 世界", ""]
    got = sha1_hashes64(words)
    assert [int(h) for h in got] == [sha1_hash64(w.encode()) for w in words]
    assert [int(h) & 0xFFFFFFFF for h in got] == [sha1_hash32(w.encode()) for w in words]


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.5, 128), (0.7, 128), (0.8, 64), (0.9, 256)])
def test_optimal_bands_rows_match_datasketch(threshold: float, num_perm: int) -> None:
    assert optimal_bands_rows(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def test_s_curve_values() -> None:
    assert s_curve(14, 9) == {
        "0.5": 0.027,
        "0.6": 0.1322,
        "0.7": 0.4382,
        "0.8": 0.867,
        "0.9": 0.999,
        "0.95": 1.0,
    }
    assert optimal_bands_rows(0.7, 128, 0.1, 0.9) == (20, 6)


def test_band_keys_equal_iff_band_slices_equal() -> None:
    sig = np.array([[1, 2, 3, 4, 5, 6], [1, 2, 3, 9, 5, 6], [1, 2, 7, 4, 5, 6]], dtype=np.uint32)
    keys = band_keys(sig, 2, 3)
    assert keys[0, 0] == keys[1, 0]
    assert keys[0, 1] != keys[1, 1]
    assert keys[0, 0] != keys[2, 0]
    assert keys[0, 1] == keys[2, 1]
    exact = band_keys(sig, 3, 2)
    assert int(exact[0, 0]) == (1 << 32) | 2


def test_sign_batch_is_pure_per_text() -> None:
    texts = [t for t in _sample_texts()]
    spec = SignSpec(ShingleSpec(), 64, 1, "affine32", 16, 4)
    whole, _, hashes, offsets = sign_batch(texts, spec)
    halves = np.vstack([sign_batch(texts[:7], spec)[0], sign_batch(texts[7:], spec)[0]])
    assert np.array_equal(whole, halves)
    assert len(offsets) == len(texts) + 1
    assert len(hashes) == offsets[-1]
