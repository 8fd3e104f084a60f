"""Candidate pairs from LSH buckets: documents sharing a band key in any band.

A bucket of up to `max_bucket_pairs` documents gives all its pairs (so verification can judge each one).
A larger bucket (many copies of one boilerplate text) gives a star from its first document plus a chain
through the rest: O(k) edges instead of O(k^2), still connecting the whole bucket when the members are
similar to each other, which is what a big bucket almost always means.

`all_bucket_pairs` gives every pair of every bucket instead (what datasketch's `MinHashLSH.query` returns
for each document): quadratic in the bucket size, so it is used only when every near-duplicate pair is
to be reported (`near.report_pairs`). It runs in numpy on pair codes (a << 32 | b).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from curate.dedup.verify import ranges, sorted_unique

_EDGE_SCHEMA = {"a": pl.UInt32, "b": pl.UInt32}


def _bucket_edges(buckets: pl.DataFrame, max_bucket_pairs: int) -> pl.DataFrame:
    """(a < b) edges of one band's buckets (column `docs`: sorted doc lists of length >= 2)."""
    sized = buckets.with_columns(k=pl.col("docs").list.len()).with_row_index("bucket")
    small = (
        sized.filter(pl.col("k") <= max_bucket_pairs).select("bucket", pl.col("docs").alias("a")).explode("a")
    )
    all_pairs = (
        small.join(small.rename({"a": "b"}), on="bucket").filter(pl.col("a") < pl.col("b")).select("a", "b")
    )
    large = sized.filter(pl.col("k") > max_bucket_pairs).select(
        pl.col("docs").list.first().alias("first"), pl.col("docs")
    )
    star = large.select(pl.col("first").alias("a"), pl.col("docs").list.slice(1).alias("b")).explode("b")
    chain = large.select(
        pl.col("docs").list.slice(1).list.head(pl.col("docs").list.len() - 2).alias("a"),
        pl.col("docs").list.slice(2).alias("b"),
    ).explode(["a", "b"])
    return pl.concat([all_pairs, star, chain.drop_nulls()]).cast(_EDGE_SCHEMA)  # type: ignore[arg-type]


def candidate_pairs(
    bands: pl.LazyFrame, n_bands: int, max_bucket_pairs: int, groups: np.ndarray | None = None
) -> pl.DataFrame:
    """Distinct (a, b) candidate pairs with a < b, sorted. `groups` keeps only pairs across groups."""
    edges = []
    for i in range(n_bands):
        buckets = (
            bands.select("doc", f"b{i}")
            .group_by(f"b{i}")
            .agg(pl.col("doc").sort().alias("docs"))
            .filter(pl.col("docs").list.len() > 1)
            .collect()
        )
        if buckets.height:
            edges.append(_bucket_edges(buckets.select("docs"), max_bucket_pairs).unique())
    if not edges:
        return pl.DataFrame(schema=_EDGE_SCHEMA)
    pairs = pl.concat(edges).unique().sort(["a", "b"])
    if groups is not None:
        a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
        pairs = pairs.filter(pl.Series(groups[a] != groups[b]))
    return pairs


def _band_pair_codes(doc: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Codes a << 32 | b (a < b) of every pair of docs sharing a key in one band (distinct)."""
    order = np.lexsort((doc, key))  # by bucket, then doc: each bucket's members ascending
    key, doc = key[order], doc[order].astype(np.uint64)
    new = np.concatenate([[True], key[1:] != key[:-1]])
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, len(key)))
    # each member pairs with the members after it in its bucket
    later = np.repeat(starts + sizes, sizes) - np.arange(len(key), dtype=np.int64) - 1
    first = np.repeat(doc, later)
    second = doc[ranges(np.arange(len(key), dtype=np.int64) + 1, later)]
    return (first << np.uint64(32)) | second


def all_bucket_pairs(bands: pl.LazyFrame, n_bands: int, groups: np.ndarray | None = None) -> pl.DataFrame:
    """Every distinct (a, b) pair, a < b, sharing a bucket in any band, sorted. `groups` keeps only pairs
    across groups."""
    codes = []
    for i in range(n_bands):
        frame = bands.select("doc", f"b{i}").collect()
        if frame.height < 2:
            continue
        codes.append(_band_pair_codes(frame["doc"].to_numpy(), frame[f"b{i}"].to_numpy()))
    unique = sorted_unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.uint64)
    a = (unique >> np.uint64(32)).astype(np.uint32)
    b = (unique & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    if groups is not None:
        across = groups[a] != groups[b]
        a, b = a[across], b[across]
    return pl.DataFrame({"a": a, "b": b}, schema=_EDGE_SCHEMA)
