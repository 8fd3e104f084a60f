"""The near step answered from the dedup memo where it can be: a re-run signs and measures only what is new.

    result = near_with_memo(texts, config, view, workers=2, pair_filter=parts)

The same steps as winnow.curation.dedup.near.near_duplicates, in the same order, on the same documents:
signatures (stored ones, the others signed now) → band keys → candidate pairs → the verification loop
(`verify_loop`: sorted candidates, fixed chunks, skip-if-connected) → the pairs that reach the threshold.
Only where a value comes from differs: candidates are the stored ones of an earlier run with the same bands,
updated for the documents that left or joined (winnow.curation.dedup.snapshot: only those are bucketed, and
no stored signature is read but theirs); a pair's measure and its parts' verdict are taken from the memo when
an earlier run computed them, and computed (then stored) when not. Measures are ratios of shingle-set sizes,
the same float however they were reached, so clusters, kept rows, Jaccards and pair counts are a cold run's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from winnow.curation.dedup.candidates import split_codes
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
from winnow.curation.dedup.snapshot import RESAVE_SHARE, KeysOf, Snapshot, Snapshots, build
from winnow.curation.dedup.store import BandStore
from winnow.curation.dedup.verify import DocSets, ranges, search_sorted, sorted_unique

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
        self.bucketed = (
            0  # documents whose band keys were put in buckets here (all of them when built afresh)
        )

    def preload(self, candidates: Snapshot) -> None:
        """Look up the candidates (codes a << 32 | b, sorted) once: in the memo, or from the snapshot's
        outcomes (what was known of them when it was saved, updated here as pairs are measured) and the
        memo's later segments."""
        self.codes = candidates.codes
        if candidates.outcomes is None:
            self.sim, self.part, self.exact = self.view.pairs(*split_codes(self.codes))
            return
        self.sim, self.part, self.exact = candidates.outcomes
        known = candidates
        later = self.view.memo.pairs_after(known.covers).collect()
        if later.height:
            self._merge(later)

    def _merge(self, later: pl.DataFrame) -> None:
        """Take the memo's later rows (lo, hi, sim, part, part_exact) where they know more than the
        snapshot: a value where it had none, parts compared where it had fewer."""
        docs = pl.DataFrame({"k": self.view.k1, "doc": np.arange(len(self.view.k1), dtype=np.int64)})
        sides = later.join(docs.rename({"k": "lo", "doc": "x"}), on="lo").join(
            docs.rename({"k": "hi", "doc": "y"}), on="hi"
        )
        x, y = sides["x"].to_numpy(), sides["y"].to_numpy()
        codes = (np.minimum(x, y).astype(np.uint64) << np.uint64(32)) | np.maximum(x, y).astype(np.uint64)
        at = np.minimum(search_sorted(self.codes, codes), max(len(self.codes) - 1, 0))
        hit = np.flatnonzero(self.codes[at] == codes) if len(self.codes) else np.zeros(0, np.int64)
        exact = sides["part_exact"].cast(pl.Int8).fill_null(-1).to_numpy()[hit]
        part = sides["part"].fill_null(np.nan).to_numpy()[hit]
        sim = sides["sim"].to_numpy()[hit]
        at = at[hit]

        def score(e: np.ndarray, p: np.ndarray) -> np.ndarray:
            return (e == 1).astype(np.int8) + (~np.isnan(p)).astype(np.int8)

        better = np.isnan(self.sim[at]) | (score(exact, part) > score(self.exact[at], self.part[at]))
        order = np.argsort(score(exact, part)[better], kind="stable")  # the most informative row last
        at, sim, part, exact = (v[better][order] for v in (at, sim, part, exact))
        self.sim[at], self.part[at], self.exact[at] = sim, part, exact

    def outcomes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What is known of each preloaded candidate now (for the snapshot saved after verification)."""
        return self.sim, self.part, self.exact

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
        if len(codes) and np.all(codes[1:] > codes[:-1]):  # a step of the loop: search its window only
            lo = int(np.searchsorted(self.codes, codes[0]))
            hi = int(np.searchsorted(self.codes, codes[-1], side="right"))
            position = lo + np.searchsorted(self.codes[lo:hi], codes)
        else:
            position = search_sorted(self.codes, codes)
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

    def similarity_at(self, at: np.ndarray) -> np.ndarray:
        """`similarity` of the preloaded candidates at these positions (the loop's candidates are the
        preloaded ones, in order: their values are read where they are, not searched for)."""
        sim = self.sim[at]
        todo = np.flatnonzero(np.isnan(sim))
        if len(todo):
            codes = self.codes[at[todo]]
            a = (codes >> np.uint64(32)).astype(np.int64)
            b = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
            self._bulk_for(len(todo), len(at))
            sim[todo] = self._measure(a, b)
            self.view.add_pairs(a, b, sim[todo])
            self.sim[at[todo]] = sim[todo]  # the parts' verdict reads it next
        return sim

    def measure_pairs(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The configured measure of any docs a[i], b[i] (the members' Jaccard to their kept row)."""
        lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
        sim, _, _, position = self._known(lo, hi)  # candidates first, then the memo for the others
        rest = np.flatnonzero(np.isnan(sim))
        if len(rest):
            sim[rest] = self.view.pairs(lo[rest], hi[rest])[0]
        todo = np.flatnonzero(np.isnan(sim))
        if len(todo):
            sim[todo] = self._measure(lo[todo], hi[todo])
            self.view.add_pairs(lo[todo], hi[todo], sim[todo])
        preloaded = position >= 0  # kept for the snapshot saved with the memo
        self.sim[position[preloaded]] = sim[preloaded]
        return sim

    def near_in_parts(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The parts' verdict (winnow.curation.dedup.parts) of pairs whose whole texts reached the threshold."""
        if self.parts is None:
            return np.ones(len(a), dtype=bool)
        a, b = a.astype(np.int64), b.astype(np.int64)
        sim, part, exact, position = self._known(a, b)
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
            preloaded = position[todo] >= 0  # kept for the snapshot saved after verification
            self.part[position[todo][preloaded]] = lowest[preloaded]
            self.exact[position[todo][preloaded]] = complete[preloaded].astype(np.int8)
        return near

    def stats(self) -> dict[str, int]:
        return {
            "signatures_reused": self.view.reused_docs,
            "pairs_measured": self.measured,
            "parts_judged": self.parts_judged,
            "shingle_sets_built": self.source.documents,
            "docs_bucketed": self.bucketed,
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
    known, cjk = view.known()
    unknown = np.ones(n, dtype=bool)
    unknown[known] = False
    todo = np.flatnonzero(unknown)
    prepped = near_texts(texts.gather(todo), config, normalized_input=True)
    new_cjk = prepared(prepped, spec)["is_cjk"]
    cjk[todo] = new_cjk.to_numpy()
    scripts = {"word": int((~cjk).sum()), "character": int(cjk.sum())}
    source = TextShingles(texts, config, spec, cjk)
    judge = PairJudge(view, source, config, pair_filter)
    limit = None if config.report_pairs else config.max_bucket_pairs
    snapshots = Snapshots(view.memo.folder)
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
        fresh_signatures = (
            fresh.to_numpy() if fresh is not None else np.zeros((0, config.num_perm), np.uint32)
        )
        del fresh

        def keys_of(docs: np.ndarray) -> list[np.ndarray]:
            """Band keys of these docs (sorted): signed now, or signed by an earlier run."""
            signatures = np.zeros((len(docs), config.num_perm), dtype=np.uint32)
            now = np.isin(docs, todo)
            signatures[now] = fresh_signatures[np.searchsorted(todo, docs[now])]
            if (~now).any():
                signatures[~now] = view.signatures_of(docs[~now])
            keys = band_keys(signatures, bands, rows)
            return [np.ascontiguousarray(keys[:, i]) for i in range(bands)]

        snapshot = snapshots.load(bands, rows, limit) if len(known) else None
        update = snapshot.update(view.k1, view.k2, keys_of, limit) if snapshot is not None else None
        del snapshot
        if update is not None:
            built = update.updated
            judge.bucketed = update.bucketed
        else:
            built = build(view.k1, view.k2, _band_columns(store, known, keys_of, n), limit)
            judge.bucketed = n
        a, b = split_codes(built.codes)
        judge.preload(built)

        def verify_progress(done: int, total: int) -> None:
            if progress is not None:
                progress("dedup: verifying candidate pairs", done, total)

        if config.report_pairs:
            jac = judge.similarity(a, b)
            verify_progress(len(a), len(a))
            pairs = pl.DataFrame({"a": a, "b": b})
            found = pairs.with_columns(jaccard=pl.Series(jac, dtype=pl.Float64))
            found = found.filter(pl.col("jaccard") >= config.threshold)
            if pair_filter is not None and found.height:
                keep = judge.near_in_parts(found["a"].to_numpy(), found["b"].to_numpy())
                found = found.filter(pl.Series(keep, dtype=pl.Boolean))
        else:
            filter_ = judge.near_in_parts if pair_filter is not None else None
            found = verify_loop(
                a,
                b,
                n,
                config.threshold,
                judge.similarity,
                verify_progress,
                pair_filter=filter_,
                measure_at=judge.similarity_at,
            )
            found = found.filter(pl.col("jaccard") >= config.threshold)
        source.store = None  # closed with the spill folder: later pairs are cut from their texts
        store.cleanup()
    if update is None or update.changed > RESAVE_SHARE * n:  # else the older snapshot serves as well
        saved = update.snapshot() if update is not None else built

        def save() -> None:  # with the memo, once every pair of the run was measured (members too)
            saved.outcomes, saved.covers = judge.outcomes(), view.memo.stamp
            snapshots.save(saved, bands, rows, limit)

        view.memo.on_save.append(save)
    return NearResult(found, bands, rows, s_curve(bands, rows), len(a), scripts), judge


def _band_columns(store: BandStore, known: np.ndarray, keys_of: KeysOf, n: int) -> list[np.ndarray]:
    """Each band's keys of docs 0..n-1: from the signing store when every doc was signed now (a cold run),
    else from the signatures (stored and new)."""
    if len(known):
        return keys_of(np.arange(n, dtype=np.int64))
    return store.band_columns(n)
