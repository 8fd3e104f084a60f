"""What dedup computed per document and per pair, kept across runs (issue 24's drop-rule re-run).

Which rows compete in dedup changes with every drop rule, the language action and the dedup settings, so the
stage's whole output is rarely reusable; what is costly does not depend on who competes:

- per document (its exact-key text and, with the conversation key, its two parts): the MinHash signature and
  whether it is shingled by character;
- per pair of documents: the measure of the two whole texts (`sim`), and for the conversation key the lowest
  measure of the parts compared so far (`part`) and whether every part was compared (`part_exact`; the
  check stops at the first part below the threshold).

A re-run asks for these, computes only what is missing, and replays the rest of dedup (candidates from band
keys, verification order, clusters, keep), so its output is the cold run's (winnow.curation.dedup.replay).

    memo = DedupMemo.open(cache_dir, config)     # CACHE_DIR/stages/dedup-memo/<settings key>/ (None: off)
    hashes, texts = memo.row_hashes(frame, config)   # every row's key and document hashes (stage cache)
    view = memo.view(d1, d2)                         # the representatives' document hashes
    have, signatures, cjk = view.signatures()
    ...
    memo.save()

A document's key is 128 bits (winnow.curation.dedup.keys: Polars' struct hash, two seeds; Polars' version
is in the folder key, as in the stage cache); the rows' hashes are a stage-cache entry keyed by the rows'
content, so a re-run does not normalize every row again. Pairs are keyed by the first 64 bits of each side, ordered (the measures are symmetric):
a wrong answer needs both sides of one pair to collide. The folder key names every setting the stored values
depend on (shingling, num_perm, seed, scheme, punctuation, measure, key) and the dedup code; thresholds,
bands and keep policies are not in it (applied at replay).

Layout: segment files docs-*.parquet and pairs-*.parquet, each written atomically, one of each per run that
computed something new; a load reads them all (a value stored twice is the same value). Past MAX_SEGMENTS
they are merged into one. An unreadable segment makes the memo answer nothing (everything is recomputed).
Beside them, candidates/ holds the last run's candidate pairs per bands x rows (winnow.curation.dedup.snapshot),
so a re-run buckets only the documents that changed. At 1M rows of conversation keys (128 permutations, 20
bands) the memo holds ~480 MB of signatures, ~120 MB of measured pairs and ~490 MB of candidates
(plain arrays, mapped by a re-run: winnow.curation.dedup.snapshot).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from winnow.curation.atomic import write_parquet
from winnow.curation.dedup.config import DedupConfig
from winnow.curation.dedup.keys import document_texts, text_hashes
from winnow.curation.stage_cache import FOLDER, StageCache, StageOutput, code_digest, content_digest

STAGE: Final = "dedup-memo"
KEYS_STAGE: Final = "dedup-keys"  # the rows' hashes, a stage-cache entry per content and key settings
KEEP_SETTINGS: Final = 2  # settings folders kept (the cold run's and one variant being tried)
MAX_SEGMENTS: Final = 8
_PAIR_SCHEMA: Final[dict[str, pl.DataType]] = {
    "lo": pl.UInt64(),
    "hi": pl.UInt64(),
    "sim": pl.Float64(),
    "part": pl.Float64(),
    "part_exact": pl.Boolean(),
}
_READ_ERRORS = (OSError, ValueError, pl.exceptions.PolarsError)


def memo_key(config: DedupConfig) -> str:
    near = config.near
    settings = (
        config.key,
        config.punctuation_blind,
        near.num_perm,
        near.seed,
        near.scheme,
        near.shingle_hash,
        near.word_ngram,
        near.char_ngram,
        near.cjk_share,
        near.ignore_punctuation,
        near.measure,
    )
    return StageCache.key(STAGE, settings=repr(settings), code=code_digest("dedup", "record.py"))


def _doc_schema(num_perm: int) -> dict[str, pl.DataType]:
    return {"k1": pl.UInt64(), "k2": pl.UInt64(), "sig": pl.Array(pl.UInt32, num_perm), "cjk": pl.Boolean()}


class DedupMemo:
    """The documents' signatures and the pairs' measures of earlier runs with the same settings, plus
    what this run adds (saved by `save`)."""

    def __init__(
        self, folder: Path | None, num_perm: int, cache_dir: Path | None = None, content: str | None = None
    ) -> None:
        self.folder = folder
        self.num_perm = num_perm
        self.cache_dir = cache_dir
        self.content = content  # the rows' content digest, when the caller has it
        self.new_docs: list[pl.DataFrame] = []
        self.new_pairs: list[pl.DataFrame] = []
        self.keys_reused = False
        self.written_docs = False  # a docs segment was written during the run (add_docs)
        # this run's pairs segment's name: chosen up front, so that candidate snapshots saved during the run
        # can say they reflect it (winnow.curation.dedup.snapshot)
        self.stamp = _stamp()
        self.on_save: list[Callable[[], None]] = []  # written with the memo (a candidate snapshot)

    @classmethod
    def open(cls, cache_dir: Path | None, config: DedupConfig, content: str | None = None) -> DedupMemo:
        if cache_dir is None:
            return cls(None, config.near.num_perm)
        folder = Path(cache_dir) / FOLDER / STAGE / memo_key(config)
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # most recently used: pruned last
        return cls(folder, config.near.num_perm, Path(cache_dir), content)

    def row_hashes(
        self, frame: pl.DataFrame, config: DedupConfig
    ) -> tuple[pl.DataFrame, pl.DataFrame | None]:
        """Every row's key and document hashes (winnow.curation.dedup.keys.HASH_COLUMNS), and the normalized
        texts when they had to be computed (None: the hashes came from the stage cache)."""
        cache = StageCache(self.cache_dir)
        key = StageCache.key(
            KEYS_STAGE,
            content=self.content or content_digest(frame),
            settings=repr((config.key, config.punctuation_blind)),
            code=code_digest("dedup", "record.py"),
        )
        hit = cache.load(KEYS_STAGE, key)
        if hit is not None and hit.columns.height == frame.height:
            self.keys_reused = True
            return hit.columns, None
        texts = document_texts(frame, config.key, config.punctuation_blind)
        hashes = text_hashes(texts)
        cache.save(KEYS_STAGE, key, StageOutput(hashes))
        return hashes, texts

    def _segments(self, kind: str) -> list[Path]:
        if self.folder is None:
            return []
        return sorted(self.folder.glob(f"{kind}-*.parquet"))

    def _scan(self, kind: str, schema: dict[str, pl.DataType], new: list[pl.DataFrame]) -> pl.LazyFrame:
        frames = [pl.scan_parquet(path, glob=False) for path in self._segments(kind)]
        frames += [frame.lazy() for frame in new]
        if not frames:
            return pl.LazyFrame(schema=schema)
        return pl.concat(frames, how="vertical")

    def docs(self) -> pl.LazyFrame:
        return self._scan("docs", _doc_schema(self.num_perm), self.new_docs)

    def pairs(self) -> pl.LazyFrame:
        return self._scan("pairs", dict(_PAIR_SCHEMA), self.new_pairs)

    def pairs_after(self, stamp: str) -> pl.LazyFrame:
        """The pairs stored by runs whose segment sorts after `stamp` (this run's and merged ones included):
        what a candidate snapshot that reflects the segments up to `stamp` does not know."""
        after = [p for p in self._segments("pairs") if _time_of(p.name[len("pairs-") :]) > _time_of(stamp)]
        frames = [pl.scan_parquet(path, glob=False) for path in after]
        frames += [frame.lazy() for frame in self.new_pairs]
        return pl.concat(frames, how="vertical") if frames else pl.LazyFrame(schema=dict(_PAIR_SCHEMA))

    def view(self, d1: np.ndarray, d2: np.ndarray) -> MemoView:
        """The memo seen through this run's documents (the exact-group representatives, in order), given
        their document hashes."""
        return MemoView(self, d1, d2)

    def add_docs(self, frame: pl.DataFrame) -> None:
        if self.folder is None:
            self.new_docs.append(frame)
            return
        write_parquet(self.folder / f"docs-{_stamp()}.parquet", frame, compression="lz4")
        self.written_docs = True

    def save(self) -> None:
        """Write what this run added as one docs and one pairs segment; merge past MAX_SEGMENTS; prune old
        settings folders."""
        for pending in self.on_save:
            pending()
        self.on_save = []
        if self.folder is None or not (self.new_docs or self.new_pairs or self.written_docs):
            return
        stamp = self.stamp
        for kind, new in (("docs", self.new_docs), ("pairs", self.new_pairs)):
            if new:
                write_parquet(self.folder / f"{kind}-{stamp}.parquet", pl.concat(new), compression="lz4")
        self.new_docs, self.new_pairs = [], []
        for kind, unique in (("docs", ["k1", "k2"]), ("pairs", ["lo", "hi"])):
            old = self._segments(kind)
            if len(old) > MAX_SEGMENTS:
                try:
                    merged = _most_informative(pl.scan_parquet(old, glob=False), unique).collect()
                except _READ_ERRORS:
                    merged = None  # an unreadable segment: start that kind afresh
                if merged is not None:
                    merged_name = f"{kind}-{_stamp()}-merged.parquet"  # after every snapshot's stamp
                    write_parquet(self.folder / merged_name, merged, compression="lz4")
                for path in old:
                    path.unlink(missing_ok=True)
        _prune(self.folder.parent)


def _stamp() -> str:
    """A segment name that sorts by time and never meets another run's."""
    return f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"


def _time_of(stamp: str) -> int:
    """The time part of a stamp (0 for an empty one: before every segment)."""
    return int(stamp[:20]) if stamp[:20].isdigit() else 0


def _most_informative(pairs_or_docs: pl.LazyFrame, unique: list[str]) -> pl.LazyFrame:
    """One row per key; for pairs, the row that knows the most about the parts (exact, then bounded)."""
    if "part_exact" in pairs_or_docs.collect_schema().names():
        pairs_or_docs = pairs_or_docs.sort(
            pl.col("part_exact").fill_null(False).cast(pl.Int8) + pl.col("part").is_not_null().cast(pl.Int8),
            descending=True,
            maintain_order=True,
        )
    return pairs_or_docs.unique(unique, keep="first", maintain_order=True)


def _prune(parent: Path) -> None:
    entries = sorted(
        (p for p in parent.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in entries[KEEP_SETTINGS:]:
        shutil.rmtree(old, ignore_errors=True)


class MemoView:
    """The memo seen through this run's documents 0..n-1 (the exact-group representatives, in order)."""

    def __init__(self, memo: DedupMemo, k1: np.ndarray, k2: np.ndarray) -> None:
        self.memo = memo
        self.k1, self.k2 = k1, k2
        self.reused_docs = 0
        # known docs (sorted) and their rows among the stored docs (as `known()` read them: segments written
        # later in the run sort after these, so the rows stay valid)
        self._known = np.zeros(0, dtype=np.int64)
        self._at = np.zeros(0, dtype=np.int64)
        self.reused_pairs = 0

    def known(self) -> tuple[np.ndarray, np.ndarray]:
        """(docs known: sorted indices, cjk: bool per doc (False where unknown)), without their signatures
        (a re-run that updates stored candidates needs the signatures of few documents: `signatures_of`)."""
        n = len(self.k1)
        wanted = pl.DataFrame({"k1": self.k1, "k2": self.k2}).with_row_index("doc")
        cjk = np.zeros(n, dtype=bool)
        try:
            found = (
                self.memo.docs()
                .select("k1", "k2", "cjk")
                .with_row_index("at")
                .join(wanted.lazy(), on=["k1", "k2"], how="inner")
                .unique("doc", keep="any")
                .sort("doc")
                .collect()
            )
        except _READ_ERRORS:  # an unreadable segment: sign everything again
            self.reused_docs = 0
            return np.zeros(0, dtype=np.int64), cjk
        docs = found["doc"].to_numpy().astype(np.int64)
        cjk[docs] = found["cjk"].to_numpy()
        self._known, self._at = docs, found["at"].to_numpy().astype(np.int64)
        self.reused_docs = len(docs)
        return docs, cjk

    def signatures_of(self, docs: np.ndarray) -> np.ndarray:
        """(len(docs), num_perm) uint32 signatures of known docs (sorted, a subset of `known()`'s): the
        signature column is read whole once, only these rows are kept."""
        at = self._at[np.searchsorted(self._known, docs)]
        try:
            return self.memo.docs().select("sig").collect()["sig"].to_numpy()[at]
        except _READ_ERRORS as error:  # read a moment ago: a segment that breaks now is not expected
            raise OSError(f"the dedup memo became unreadable during the run: {error}") from error

    def signatures(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(docs known: sorted indices, their signatures (len(known), num_perm) uint32, cjk: bool per doc
        (False where unknown))."""
        docs, cjk = self.known()
        if len(docs) == 0:
            return docs, np.zeros((0, self.memo.num_perm), dtype=np.uint32), cjk
        try:
            return docs, self.signatures_of(docs), cjk
        except OSError:
            self.reused_docs = 0
            return (
                np.zeros(0, dtype=np.int64),
                np.zeros((0, self.memo.num_perm), dtype=np.uint32),
                cjk & False,
            )

    def add_signatures(self, docs: np.ndarray, signatures: pl.Series, cjk: np.ndarray) -> None:
        """Store the signatures (an Array(UInt32, num_perm) Series) of these docs: written at once as a
        segment (they are the largest part of the memo: not held until `save`)."""
        if len(docs) == 0:
            return
        width = self.memo.num_perm
        frame = pl.DataFrame(
            {"k1": self.k1[docs], "k2": self.k2[docs], "sig": signatures, "cjk": cjk.astype(bool)},
            schema=_doc_schema(width),
        )
        self.memo.add_docs(frame)

    def _sides(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ka, kb = self.k1[a], self.k1[b]
        return np.minimum(ka, kb), np.maximum(ka, kb)

    def pairs(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sim, part, part_exact) of each pair (a[i], b[i]): NaN where the memo has no value; part_exact
        is 1 (every part compared), 0 (stopped at a part below the threshold) or -1 (unknown)."""
        lo, hi = self._sides(a, b)
        wanted = pl.DataFrame({"lo": lo, "hi": hi}).with_row_index("pos")
        sim = np.full(len(a), np.nan)
        part = np.full(len(a), np.nan)
        exact = np.full(len(a), -1, dtype=np.int8)
        if len(a) == 0:
            return sim, part, exact
        try:
            found = self.memo.pairs().join(wanted.lazy(), on=["lo", "hi"], how="inner").collect()
            if found["pos"].n_unique() < found.height:  # stored twice (a later run judged its parts)
                found = _most_informative(found.lazy(), ["pos"]).collect()
        except _READ_ERRORS:
            return sim, part, exact
        pos = found["pos"].to_numpy().astype(np.int64)
        sim[pos] = found["sim"].to_numpy()
        part[pos] = found["part"].fill_null(np.nan).to_numpy()
        exact[pos] = found["part_exact"].cast(pl.Int8).fill_null(-1).to_numpy()
        self.reused_pairs += len(pos)
        return sim, part, exact

    def add_pairs(
        self,
        a: np.ndarray,
        b: np.ndarray,
        sim: np.ndarray,
        part: np.ndarray | None = None,
        part_exact: np.ndarray | None = None,
    ) -> None:
        if len(a) == 0:
            return
        lo, hi = self._sides(a, b)
        self.memo.new_pairs.append(
            pl.DataFrame(
                {
                    "lo": lo,
                    "hi": hi,
                    "sim": sim.astype(np.float64),
                    "part": pl.Series(np.full(len(a), np.nan) if part is None else part, dtype=pl.Float64),
                    "part_exact": pl.Series(
                        [None] * len(a) if part_exact is None else part_exact.astype(bool), dtype=pl.Boolean
                    ),
                },
                schema=_PAIR_SCHEMA,
            ).with_columns(pl.col("part").fill_nan(None))
        )
