"""Exact Jaccard of document pairs over their shingle sets (64-bit shingle hashes).

Used to remove LSH false positives and to explain every dropped row with its similarity to the kept one.
Pairs are processed in bounded batches; shingles are recomputed only for the documents a batch touches.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from curate.dedup.shingles import ShingleSpec
from curate.dedup.signing import shingle_hashes


def pair_jaccard(
    texts: pl.Series,
    a: np.ndarray,
    b: np.ndarray,
    spec: ShingleSpec,
    *,
    batch_pairs: int = 200_000,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Jaccard(shingles(texts[a[i]]), shingles(texts[b[i]])) for every i (0.0 when both are empty)."""
    out = np.zeros(len(a), dtype=np.float64)
    for start in range(0, len(a), batch_pairs):
        pa, pb = a[start : start + batch_pairs], b[start : start + batch_pairs]
        docs = np.unique(np.concatenate([pa, pb]))
        hashes, offsets = shingle_hashes(texts.gather(docs), spec)
        local_doc = np.repeat(np.arange(len(docs), dtype=np.uint32), np.diff(offsets))
        sets = pl.DataFrame({"doc": docs[local_doc].astype(np.uint32), "h": hashes}).unique()
        sizes = sets.group_by("doc").len()
        pairs = pl.DataFrame(
            {
                "pair": np.arange(len(pa), dtype=np.uint32),
                "a": pa.astype(np.uint32),
                "b": pb.astype(np.uint32),
            }
        )
        inter = (
            pairs.join(sets, left_on="a", right_on="doc")
            .join(sets, left_on=["b", "h"], right_on=["doc", "h"], how="semi")
            .group_by("pair")
            .len()
        )
        joined = (
            pairs.join(inter, on="pair", how="left")
            .join(sizes.rename({"len": "size_a"}), left_on="a", right_on="doc", how="left")
            .join(sizes.rename({"len": "size_b"}), left_on="b", right_on="doc", how="left")
            .sort("pair")
            .with_columns(pl.col("len", "size_a", "size_b").fill_null(0).cast(pl.Float64))
        )
        union = joined["size_a"] + joined["size_b"] - joined["len"]
        jac = (joined["len"] / union).fill_nan(0.0).to_numpy()
        out[start : start + len(pa)] = jac
        if progress is not None:
            progress(start + len(pa), len(a))
    return out
