"""The near step answered from the dedup memo where it can be: a re-run signs and measures only what is new.

    result = near_with_memo(texts, config, view, workers=2, pair_filter=parts)

The same steps as winnow.curation.dedup.near.near_duplicates, in the same order, on the same documents:
signatures (stored ones, the others signed now) → band keys → candidate pairs → the verification loop
(`verify_loop`: sorted candidates, fixed chunks, skip-if-connected) → the pairs that reach the threshold.
Only where a value comes from differs: a pair's measure and its parts' verdict are taken from the memo when
an earlier run computed them, and computed (then stored) when not. Measures are ratios of shingle-set sizes,
the same float however they were reached, so clusters, kept rows, Jaccards and pair counts are a cold run's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from winnow.curation.dedup.candidates import all_bucket_pairs, candidate_pairs
from winnow.curation.dedup.config import NearConfig
from winnow.curation.dedup.keys import Texts
from winnow.curation.dedup.lsh import band_keys, s_curve
from winnow.curation.dedup.memo import MemoView
from winnow.curation.dedup.near import (
    NearResult,
    contextlib_spill,
    near_texts,
    paired_docs,
    resolve_bands_rows,
    shingle_spec,
    sign_all,
    verify_loop,
)
from winnow.curation.dedup.parts import PartsFilter
from winnow.curation.dedup.shingles import ShingleSpec, prepared
from winnow.curation.dedup.signing import SignSpec, shingle_hashes
from winnow.curation.dedup.store import BandStore
from winnow.curation.dedup.verify import DocSets, ranges, sorted_unique

Progress = Callable[[str, int, int], None]
# a verification chunk that must measure more than this share of its candidates (a cold run, or new rows
# among many) builds one set table for every unknown candidate left (as a cold run does) instead of one per
# chunk. Decided when a chunk asks, not from the unknown candidates up front: in big clusters most unknown
# candidates are never asked about (their documents are already connected when the loop reaches them), and a
# table built for them cost a drop-rule re-run on 1M rows ~13 s while it measured no pair at all
_BULK_SHARE = 0.3


class TextShingles:
    """Shingle hashes of documents by index: from the signing store for the documents signed in this run
    (while it is open), cut again from their texts for the others."""

    def __init__(self, texts: Texts, config: NearConfig, spec: ShingleSpec, cjk: np.ndarray) -> None:
        self.texts, self.config, self.spec, self.cjk = texts, config, spec, cjk
        self.signed = np.zeros(0, dtype=np.int64)  # sorted docs in `store`, at store positions 0..m-1
        self.store: BandStore | None = None
        self.documents = 0  # shingle sets handed out in this run (a document asked twice counts twice)

    def __call__(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        docs = np.asarray(docs, dtype=np.int64)
        self.documents += len(docs)
        position = np.searchsorted(self.signed, docs)
        in_store = np.zeros(len(docs), dtype=bool)
        if self.store is not None and len(self.signed):
            in_store = (position < len(self.signed)) & (
                self.signed[np.minimum(position, len(self.signed) - 1)] == docs
            )
        sizes = np.zeros(len(docs), dtype=np.int64)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (which docs, hashes, offsets)
        if in_store.any() and self.store is not None:
            found = self.store.shingle_hashes(position[in_store])
            parts.append((np.flatnonzero(in_store), found.hashes, found.offsets))
        cut = np.flatnonzero(~in_store)
        if len(cut):
            prepped = near_texts(self.texts.gather(docs[cut]), self.config, normalized_input=True)
            flags = pl.Series(self.cjk[docs[cut]], dtype=pl.Boolean)
            hashes, offsets = shingle_hashes(prepped, self.spec, flags)
            parts.append((cut, hashes, offsets))
        for which, _, offsets in parts:
            sizes[which] = np.diff(offsets)
        out = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(sizes, out=out[1:])
        hashes_all = np.zeros(int(out[-1]), dtype=np.uint64)
        for which, hashes, offsets in parts:  # each part's docs ascending: its hashes go in one scatter
            hashes_all[ranges(out[which], np.diff(offsets))] = hashes
        return hashes_all, out


class PairJudge:
    """A pair's measure and its parts' verdict: from the memo when known, else computed and recorded."""

    def __init__(
        self, view: MemoView, source: TextShingles, config: NearConfig, parts: PartsFilter | None
    ) -> None:
        self.view, self.source, self.config, self.parts = view, source, config, parts
        self.codes = np.zeros(0, dtype=np.uint64)  # sorted a << 32 | b of the preloaded pairs
        self.sim = self.part = np.zeros(0)
        self.exact = np.zeros(0, dtype=np.int8)
        self.bulk: DocSets | None = None
        self.measured = 0  # pairs measured in this run (not in the memo)
        self.parts_judged = 0

    def preload(self, a: np.ndarray, b: np.ndarray) -> None:
        """Look up the candidates (sorted by a, b) once."""
        self.codes = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
        self.sim, self.part, self.exact = self.view.pairs(a, b)

    def _bulk_for(self, asked: int, candidates: int) -> None:
        """The set table of every candidate still unknown (NaN in `sim`: neither in the memo nor measured
        yet), when a chunk asks to measure many of its pairs."""
        if self.bulk is not None or asked <= _BULK_SHARE * max(candidates, 1):
            return
        unknown = self.codes[np.isnan(self.sim)]
        if len(unknown):
            a = (unknown >> np.uint64(32)).astype(np.int64)
            b = (unknown & np.uint64(0xFFFFFFFF)).astype(np.int64)
            self.bulk = DocSets.build(self.source, paired_docs(a, b, len(self.source.cjk)))

    def _known(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(sim, part, exact) of preloaded pairs (NaN, NaN, -1 where unknown), and each pair's position among
        the preloaded ones (-1: not preloaded)."""
        codes = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
        position = np.searchsorted(self.codes, codes)
        inside = position < len(self.codes)
        found = np.zeros(len(a), dtype=bool)
        found[inside] = self.codes[position[inside]] == codes[inside]
        position[~found] = -1
        at = position[found]
        sim, part = np.full(len(a), np.nan), np.full(len(a), np.nan)
        exact = np.full(len(a), -1, dtype=np.int8)
        sim[found], part[found], exact[found] = self.sim[at], self.part[at], self.exact[at]
        return sim, part, exact, position

    def _measure(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.zeros(len(a), dtype=np.float64)
        rest = np.ones(len(a), dtype=bool)
        if self.bulk is not None:
            docs = self.bulk.docs
            rest = ~(np.isin(a, docs) & np.isin(b, docs))
            done = ~rest
            out[done] = self.bulk.similarity(a[done], b[done], self.config.measure)
        if rest.any():
            ra, rb = a[rest], b[rest]
            sets = DocSets.build(self.source, sorted_unique(np.concatenate([ra, rb])))
            out[rest] = sets.similarity(ra, rb, self.config.measure)
        self.measured += len(a)
        return out

    def similarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The configured measure of candidate docs a[i] < b[i] (the verification loop's question)."""
        a, b = a.astype(np.int64), b.astype(np.int64)
        sim, _, _, position = self._known(a, b)
        todo = np.flatnonzero(np.isnan(sim))
        if len(todo):
            self._bulk_for(len(todo), len(a))
            sim[todo] = self._measure(a[todo], b[todo])
            self.view.add_pairs(a[todo], b[todo], sim[todo])
            preloaded = position[todo] >= 0
            self.sim[position[todo][preloaded]] = sim[todo][preloaded]  # the parts' verdict reads it next
        return sim

    def measure_pairs(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The configured measure of any docs a[i], b[i] (the members' Jaccard to their kept row)."""
        a, b = a.astype(np.int64), b.astype(np.int64)
        sim = self.view.pairs(a, b)[0]
        todo = np.flatnonzero(np.isnan(sim))
        if len(todo):
            sim[todo] = self._measure(a[todo], b[todo])
            self.view.add_pairs(a[todo], b[todo], sim[todo])
        return sim

    def near_in_parts(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The parts' verdict (winnow.curation.dedup.parts) of pairs whose whole texts reached the threshold."""
        if self.parts is None:
            return np.ones(len(a), dtype=bool)
        a, b = a.astype(np.int64), b.astype(np.int64)
        sim, part, exact, _ = self._known(a, b)
        threshold = self.config.threshold
        near = (exact == 1) & (part >= threshold)
        decided = (exact == 1) | ((exact == 0) & (part < threshold))
        todo = np.flatnonzero(~decided)
        if len(todo):
            lowest, complete = self.parts.similarities(a[todo], b[todo])
            near[todo] = lowest >= threshold
            if np.isnan(sim[todo]).any():  # asked about a pair never measured here: measure it to store it
                sim[todo] = self.similarity(a[todo], b[todo])
            self.view.add_pairs(a[todo], b[todo], sim[todo], lowest, complete)
            self.parts_judged += len(todo)
        return near

    def stats(self) -> dict[str, int]:
        return {
            "signatures_reused": self.view.reused_docs,
            "pairs_measured": self.measured,
            "parts_judged": self.parts_judged,
            "shingle_sets_built": self.source.documents,
        }


def near_with_memo(
    texts: Texts,
    config: NearConfig,
    view: MemoView,
    *,
    workers: int = 2,
    spill_dir: Path | None = None,
    progress: Progress | None = None,
    pair_filter: PartsFilter | None = None,
) -> tuple[NearResult, PairJudge]:
    """near_duplicates (verification on) with the memo: what it answers is not computed again. Returns the
    result and the judge, which measures further pairs the same way (the members' Jaccard to the kept row)."""
    n = len(texts)
    bands, rows = resolve_bands_rows(config)
    spec = shingle_spec(config)
    known, stored, cjk = view.signatures()
    unknown = np.ones(n, dtype=bool)
    unknown[known] = False
    todo = np.flatnonzero(unknown)
    prepped = near_texts(texts.gather(todo), config, normalized_input=True)
    new_cjk = prepared(prepped, spec)["is_cjk"]
    cjk[todo] = new_cjk.to_numpy()
    scripts = {"word": int((~cjk).sum()), "character": int(cjk.sum())}
    source = TextShingles(texts, config, spec, cjk)
    judge = PairJudge(view, source, config, pair_filter)
    with contextlib_spill(spill_dir, config.spill) as folder:
        store = BandStore(bands, folder)
        sign_spec = SignSpec(spec, config.num_perm, config.seed, config.scheme, bands, rows)
        sign_all(
            prepped,
            sign_spec,
            store,
            batch_size=config.batch_size,
            workers=workers,
            progress=progress,
            is_cjk=new_cjk,
        )
        del prepped
        fresh = store.scan().select("doc", "sig").collect().sort("doc")["sig"] if len(todo) else None
        if fresh is not None:
            view.add_signatures(todo, fresh, cjk[todo])
        source.signed, source.store = todo, store
        if len(known) == 0:  # nothing stored: the store's band keys are every doc's (a cold run)
            del fresh
            banded = store.scan().select("doc", *[f"b{i}" for i in range(bands)])
        else:
            signatures = np.zeros((n, config.num_perm), dtype=np.uint32)
            signatures[known] = stored
            del stored
            if fresh is not None:
                signatures[todo] = fresh.to_numpy()
                del fresh
            keys = band_keys(signatures, bands, rows)
            del signatures
            banded = pl.DataFrame(
                {"doc": np.arange(n, dtype=np.uint32), **{f"b{i}": keys[:, i] for i in range(bands)}}
            ).lazy()
            del keys
        if config.report_pairs:
            pairs = all_bucket_pairs(banded, bands)
        else:
            pairs = candidate_pairs(banded, bands, config.max_bucket_pairs)
        del banded
        a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
        judge.preload(a, b)

        def verify_progress(done: int, total: int) -> None:
            if progress is not None:
                progress("dedup: verifying candidate pairs", done, total)

        if config.report_pairs:
            jac = judge.similarity(a, b)
            verify_progress(len(a), len(a))
            found = pairs.with_columns(jaccard=pl.Series(jac, dtype=pl.Float64))
            found = found.filter(pl.col("jaccard") >= config.threshold)
            if pair_filter is not None and found.height:
                keep = judge.near_in_parts(found["a"].to_numpy(), found["b"].to_numpy())
                found = found.filter(pl.Series(keep, dtype=pl.Boolean))
        else:
            filter_ = judge.near_in_parts if pair_filter is not None else None
            found = verify_loop(
                a, b, n, config.threshold, judge.similarity, verify_progress, pair_filter=filter_
            )
            found = found.filter(pl.col("jaccard") >= config.threshold)
        source.store = None  # closed with the spill folder: later pairs are cut from their texts
        store.cleanup()
    return NearResult(found, bands, rows, s_curve(bands, rows), pairs.height, scripts), judge
