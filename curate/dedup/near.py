"""Near duplicates by MinHash LSH: sign in bounded batches (both cores), band, verify, return pairs.

    result = near_duplicates(texts, NearConfig(threshold=0.7), workers=2)
    result.pairs  # (a, b, jaccard) with a < b, Jaccard >= threshold when verify is on

Batches are signed in worker processes (spawned, not forked: Polars' thread pool does not survive fork).
Results do not depend on the number of workers or the batch size: signatures are a pure function of each
text, and pairs are sorted.
"""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from winnow.curation.dedup.candidates import all_bucket_pairs, candidate_pairs
from winnow.curation.dedup.clusters import UnionFind
from winnow.curation.dedup.config import NearConfig
from winnow.curation.dedup.lsh import optimal_bands_rows, s_curve
from winnow.curation.dedup.minhash import estimated_jaccard
from winnow.curation.dedup.normalize_kernel import normalize_texts
from winnow.curation.dedup.shingles import ShingleSpec, prepared
from winnow.curation.dedup.signing import SignSpec, sign_batch
from winnow.curation.dedup.store import BandStore
from winnow.curation.dedup.verify import DocSets, ShingleHashes, sorted_unique

Progress = Callable[[str, int, int], None]
# (a, b) doc arrays → a bool per pair: whether a pair that reached the threshold is a duplicate after all
PairFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Below this many texts a worker pool costs more (process start, imports) than it saves.
_MIN_ROWS_FOR_POOL = 20_000
# Candidate pairs verified per step of the verification loop; a pair whose documents are connected at the
# start of its step is not measured. Part of what decides the clusters: every run (cold or replayed) uses it.
VERIFY_CHUNK = 50_000


@dataclass
class NearResult:
    pairs: pl.DataFrame  # a, b (UInt32, a < b), jaccard (Float64): the duplicate edges
    bands: int
    rows: int
    s_curve: dict[str, float]
    candidates: int
    scripts: dict[str, int] = field(default_factory=dict)  # rows shingled by word / by character
    member_hashes: ShingleHashes | None = None  # shingle hashes of every doc in a duplicate pair
    # shingle sets of every candidate doc (a superset of the pairs' docs), when verification built them:
    # explaining members reuses them instead of building the sets again
    member_sets: DocSets | None = None

    def stats(self) -> dict[str, Any]:
        return {
            "bands": self.bands,
            "rows": self.rows,
            "s_curve": self.s_curve,
            "candidate_pairs": self.candidates,
            "duplicate_pairs": self.pairs.height,
            "shingled_by": self.scripts,
        }


def resolve_bands_rows(config: NearConfig) -> tuple[int, int]:
    """Given (bands, rows), or derived from the threshold; with verification on, misses cost more than
    extra candidates (verification removes those), so the derivation weights false negatives 0.9."""
    if config.bands is not None and config.rows is not None:
        return config.bands, config.rows
    fn_weight = 0.9 if config.verify else 0.5
    level = config.candidate_jaccard()
    bands, rows = optimal_bands_rows(level, config.num_perm, 1.0 - fn_weight, fn_weight)
    if config.bands is not None:
        return config.bands, min(rows, config.num_perm // config.bands)
    if config.rows is not None:
        return config.num_perm // config.rows, config.rows
    return bands, rows


def shingle_spec(config: NearConfig) -> ShingleSpec:
    return ShingleSpec(config.word_ngram, config.char_ngram, config.cjk_share, config.shingle_hash)


def near_texts(texts: pl.Series, config: NearConfig, *, normalized_input: bool = False) -> pl.Series:
    """The text the shingles are cut from (NFKC, lower case, whitespace collapsed, punctuation-blind).

    `normalized_input`: the texts already went through `normalized` (exact keys), so only the
    punctuation step is left to do; NFKC is the costly part and is not repeated.
    """
    if normalized_input and not config.ignore_punctuation:
        return texts.cast(pl.String).alias("t")
    return normalize_texts(texts.alias("t"), fold=not normalized_input, punctuation=config.ignore_punctuation)


@contextmanager
def _pool(workers: int) -> Iterator[futures.Executor | None]:
    if workers <= 1:
        yield None
        return
    # one Polars thread per worker process: the workers are the parallelism
    previous = os.environ.get("POLARS_MAX_THREADS")
    os.environ["POLARS_MAX_THREADS"] = "1"
    try:
        with futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool
    finally:
        if previous is None:
            os.environ.pop("POLARS_MAX_THREADS", None)
        else:
            os.environ["POLARS_MAX_THREADS"] = previous


def sign_all(
    texts: pl.Series,
    spec: SignSpec,
    store: BandStore,
    *,
    batch_size: int,
    workers: int,
    progress: Progress | None = None,
    is_cjk: pl.Series | None = None,
) -> None:
    """Sign every text in batches of at most batch_size; at most `workers` batches in flight."""
    n = len(texts)
    if workers > 1 and n >= _MIN_ROWS_FOR_POOL:
        batch_size = min(batch_size, -(-n // workers))  # keep both cores busy on mid-sized corpora
    else:
        workers = 1
    starts = list(range(0, n, batch_size))
    done = 0

    def batch(start: int) -> tuple[list[str | None], list[bool] | None]:
        flags = None if is_cjk is None else is_cjk.slice(start, batch_size).to_list()
        return texts.slice(start, batch_size).to_list(), flags

    with _pool(workers) as pool:
        if pool is None:
            for start in starts:  # in this process: the slices as they are, no lists made
                cjk = None if is_cjk is None else is_cjk.slice(start, batch_size)
                sig, keys, hashes, offsets = sign_batch(texts.slice(start, batch_size), spec, cjk)
                store.add(start, sig, keys, hashes, offsets)
                done += sig.shape[0]
                if progress is not None:
                    progress("dedup: MinHash signatures", done, n)
            return
        pending: dict[futures.Future[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], int] = {}
        queue = iter(starts)
        for start in queue:  # bounded: never more than 2 * workers batches held in memory
            chunk, flags = batch(start)
            pending[pool.submit(sign_batch, chunk, spec, flags)] = start
            if len(pending) >= 2 * workers:
                break
        while pending:
            finished, _ = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
            for future in finished:
                start = pending.pop(future)
                sig, keys, hashes, offsets = future.result()
                store.add(start, sig, keys, hashes, offsets)
                done += sig.shape[0]
                if progress is not None:
                    progress("dedup: MinHash signatures", done, n)
                nxt = next(queue, None)
                if nxt is not None:
                    chunk, flags = batch(nxt)
                    pending[pool.submit(sign_batch, chunk, spec, flags)] = nxt


def near_duplicates(
    texts: pl.Series,
    config: NearConfig,
    *,
    workers: int = 2,
    spill_dir: Path | None = None,
    progress: Progress | None = None,
    groups: np.ndarray | None = None,
    threshold: float | None = None,
    normalized_input: bool = False,
    all_pairs: bool = False,
    pair_filter: PairFilter | None = None,
) -> NearResult:
    """Pairs of texts whose (verified, or estimated) Jaccard reaches the threshold; with
    `config.measure == "containment"`, whose verified containment |A∩B| / min(|A|, |B|) does (the LSH
    bands are then derived for `config.candidate_jaccard()`, a lower Jaccard level). The `jaccard` column
    of the pairs holds the configured measure.

    With verification on, a candidate pair whose two texts are already connected through verified pairs
    is not verified again (it cannot change the clusters); `all_pairs` verifies every candidate instead
    (decontamination needs each row's best reference). `config.report_pairs` verifies every candidate
    too, and takes every pair of every LSH bucket as a candidate (no star + chain for big buckets), so
    the pairs are every pair LSH finds at the threshold, not only the edges that build the clusters.

    `groups` (an int per text) keeps only pairs across groups (decontamination: corpus vs reference).
    `pair_filter` has the last word on every pair that reached the threshold (the `conversation` key asks
    that the prompts and the replies be near too, winnow.curation.dedup.parts); it runs inside verification, so a
    pair it rejects never connects a cluster and never hides another candidate.
    `spill_dir` (or config.spill, then a temporary folder) keeps signatures and bands on disk.
    """
    threshold = config.threshold if threshold is None else threshold
    bands, rows = resolve_bands_rows(config)
    sets: DocSets | None = None
    spec = shingle_spec(config)
    prepped = near_texts(texts, config, normalized_input=normalized_input)
    sign_spec = SignSpec(spec, config.num_perm, config.seed, config.scheme, bands, rows)
    is_cjk = prepared(prepped, spec)["is_cjk"]
    scripts = {"word": int((~is_cjk).sum()), "character": int(is_cjk.sum())}
    with contextlib_spill(spill_dir, config.spill) as folder:
        store = BandStore(bands, folder)
        sign_all(
            prepped,
            sign_spec,
            store,
            batch_size=config.batch_size,
            workers=workers,
            progress=progress,
            is_cjk=is_cjk,
        )
        if config.report_pairs:
            pairs = all_bucket_pairs(store.scan(), bands, groups)
        else:
            pairs = candidate_pairs(store.scan(), bands, config.max_bucket_pairs, groups)
        a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
        filtered = False  # whether pair_filter already ran (inside verification)
        if config.verify:

            def verify_progress(done: int, total: int) -> None:
                if progress is not None:
                    progress("dedup: verifying candidate pairs", done, total)

            if all_pairs or config.report_pairs:
                sets = DocSets.build(store.lookup, paired_docs(a, b, len(prepped))) if len(a) else None
                jac = every_pair(sets, a, b, verify_progress, config.measure)
                found = pairs.with_columns(jaccard=pl.Series(jac, dtype=pl.Float64))
            else:
                found, sets = verify_for_clusters(
                    store,
                    a,
                    b,
                    len(prepped),
                    threshold,
                    verify_progress,
                    measure=config.measure,
                    pair_filter=pair_filter,
                )
                filtered = True
        else:
            if config.measure != "jaccard":
                raise ValueError("the containment measure needs verify on (signatures estimate Jaccard only)")
            jac = estimated_pairs(store, a, b)
            found = pairs.with_columns(jaccard=pl.Series(jac, dtype=pl.Float64))
        found = found.filter(pl.col("jaccard") >= threshold)
        if pair_filter is not None and not filtered and found.height:
            keep = pair_filter(found["a"].to_numpy(), found["b"].to_numpy())
            found = found.filter(pl.Series(keep, dtype=pl.Boolean))
        members = sorted_unique(
            np.concatenate([found["a"].to_numpy(), found["b"].to_numpy()]).astype(np.int64)
        )
        member_hashes = store.shingle_hashes(members) if sets is None else None
        store.cleanup()
    return NearResult(found, bands, rows, s_curve(bands, rows), pairs.height, scripts, member_hashes, sets)


def paired_docs(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Sorted distinct docs (of 0..n-1) in any pair: a mark per doc, not a sort of every pair's two docs
    (tens of millions with report_pairs)."""
    seen = np.zeros(n, dtype=bool)
    seen[a] = True
    seen[b] = True
    return np.flatnonzero(seen)


def estimated_pairs(store: BandStore, a: np.ndarray, b: np.ndarray, chunk: int = 250_000) -> np.ndarray:
    """Signature estimate of the Jaccard of every candidate pair, in chunks: two chunks of signatures
    (chunk x num_perm each) at a time, never those of every pair at once (tens of millions with
    `report_pairs`)."""
    out = np.zeros(len(a), dtype=np.float64)
    for start in range(0, len(a), chunk):
        stop = start + chunk
        out[start:stop] = estimated_jaccard(store.signatures(a[start:stop]), store.signatures(b[start:stop]))
    return out


def every_pair(
    sets: DocSets | None,
    a: np.ndarray,
    b: np.ndarray,
    progress: Callable[[int, int], None],
    measure: str,
    chunk: int = 1_000_000,
) -> np.ndarray:
    """The measure of every candidate pair (a[i], b[i]), in chunks so progress can be reported."""
    out = np.zeros(len(a), dtype=np.float64)
    if sets is None:
        return out
    for start in range(0, len(a), chunk):
        stop = start + chunk
        out[start:stop] = sets.similarity(
            a[start:stop].astype(np.int64), b[start:stop].astype(np.int64), measure
        )
        progress(min(stop, len(a)), len(a))
    return out


def verify_for_clusters(
    store: BandStore,
    a: np.ndarray,
    b: np.ndarray,
    n: int,
    threshold: float,
    progress: Callable[[int, int], None],
    chunk: int | None = None,
    measure: str = "jaccard",
    pair_filter: PairFilter | None = None,
) -> tuple[pl.DataFrame, DocSets | None]:
    """Verified pairs (a, b, jaccard) that connect the clusters, skipping candidates already connected,
    and the shingle sets of every candidate document (None without candidates).

    Candidates come sorted, chunks are fixed, so which pairs are skipped does not depend on workers or
    batch sizes; the clusters are those of verifying every pair (a skipped pair joins nothing new).
    """
    sets = DocSets.build(store.lookup, paired_docs(a, b, n)) if len(a) else None

    def similarity(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
        return sets.similarity(ca, cb, measure) if sets is not None else np.zeros(0)

    return verify_loop(a, b, n, threshold, similarity, progress, chunk, pair_filter), sets


def verify_loop(
    a: np.ndarray,
    b: np.ndarray,
    n: int,
    threshold: float,
    similarity: Callable[[np.ndarray, np.ndarray], np.ndarray],
    progress: Callable[[int, int], None],
    chunk: int | None = None,
    pair_filter: PairFilter | None = None,
    measure_at: Callable[[np.ndarray], np.ndarray] | None = None,
) -> pl.DataFrame:
    """The verification order itself: sorted candidates in fixed chunks; a pair whose docs are already
    connected (as of the chunk's start) is not measured. `similarity` measures pairs (from shingle sets,
    or from winnow.curation.dedup.memo's stored values on a re-run: the order, hence the pairs, are the same)."""
    chunk = VERIFY_CHUNK if chunk is None else chunk
    union_find = UnionFind(n)
    kept: list[pl.DataFrame] = []
    for start in range(0, len(a), chunk):
        ca, cb = a[start : start + chunk].astype(np.int64), b[start : start + chunk].astype(np.int64)
        need = union_find.roots_of(ca) != union_find.roots_of(cb)  # as of the chunk's start
        ca, cb = ca[need], cb[need]
        if measure_at is not None:  # asked by the candidates' positions in (a, b): nothing to look up
            jac = measure_at(start + np.flatnonzero(need)) if len(ca) else np.zeros(0)
        else:
            jac = similarity(ca, cb) if len(ca) else np.zeros(0)
        hit = jac >= threshold
        if pair_filter is not None and hit.any():
            hit[hit] = pair_filter(ca[hit], cb[hit])
        union_find.union_pairs(ca[hit], cb[hit])
        kept.append(
            pl.DataFrame(
                {"a": ca[hit].astype(np.uint32), "b": cb[hit].astype(np.uint32), "jaccard": jac[hit]},
                schema={"a": pl.UInt32, "b": pl.UInt32, "jaccard": pl.Float64},
            )
        )
        progress(min(start + chunk, len(a)), len(a))
    if not kept:
        return pl.DataFrame(schema={"a": pl.UInt32, "b": pl.UInt32, "jaccard": pl.Float64})
    return pl.concat(kept)


@contextmanager
def contextlib_spill(spill_dir: Path | None, spill: bool) -> Iterator[Path | None]:
    """The folder to spill to: a fresh temporary folder inside `spill_dir` (so runs sharing a cache never
    meet), one in the system's temporary folder when only `spill` is on, or None (memory)."""
    if spill_dir is None and not spill:
        yield None
        return
    if spill_dir is not None:
        spill_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="winnow-dedup-", dir=spill_dir) as tmp:
        yield Path(tmp)
