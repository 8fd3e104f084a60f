"""The candidate pairs of a run, kept in the dedup memo, so that a re-run buckets only the documents that changed.

    snapshot = Snapshots(memo.folder).load(bands, rows, max_bucket_pairs)
    update = snapshot.update(k1, k2, keys_of, max_bucket_pairs) if snapshot else None   # None: build afresh
    a, b = split_codes(update.codes)

Candidates (winnow.curation.dedup.candidates) are a function of the documents' band keys and their order: per band,
documents with equal keys are a bucket, and a bucket gives all its pairs, or a star + chain past
`max_bucket_pairs`. A run stores its documents (their 128-bit keys, in order), their band keys, the sorted
candidate codes and, per code, how many bands have a bucket that gives the pair. A re-run whose documents differ
by a few (rows a drop rule now drops, or lets through) finds the buckets that changed (those a document left or
joined, in any band), takes their old pairs off the counts and adds their new pairs: a pair is a candidate while
its count is above zero. Every other bucket has the same members in the same order, so it gives the same pairs:
the result is exactly what candidate generation gives on the re-run's documents. A document whose position moved
relative to the others (its exact group's first row was dropped, so a later row represents it) counts as one
that left and joined again, since a big bucket's star and chain follow the documents' order.

Layout: MEMO/candidates/<bands>x<rows>-<limit>-<stamp>/ with one NumPy array file per column (ARRAYS: the
documents' k1, k2 and band keys, one row per band; the candidates' code, count, and sim, part, part_exact: what
verification knew of each candidate) and `complete`, written last (it names the memo's last pairs segment the
outcomes reflect): a folder without it (a run killed while writing) is never read. The newest complete folder
per setting is used; older ones and settings beyond KEEP_SETTINGS are removed. Plain arrays, not Parquet: at
1M rows a snapshot holds ~12M candidates (~0.5 GB with the band keys), which a re-run maps in ~0.1 s where
reading them from Parquet into arrays cost ~1.4 s (issue 24's drop-rule re-run); the values are close to
random bits, which compression would not shrink.
"""

from __future__ import annotations

import contextlib
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from winnow.curation.dedup.candidates import band_codes, band_pair_codes, counted_codes, merge_parts, runs
from winnow.curation.dedup.verify import sorted_unique
from winnow.curation.kernels.compiled import compiled

FOLDER: Final = "candidates"
KEEP_SETTINGS: Final = 2  # bands x rows settings kept (the threshold of the cold run and one being tried)
# past this share of documents changed, the update is not attempted: building afresh costs about the same
MAX_CHANGED_SHARE: Final = 0.25
# a re-run stores its own candidates only when this share of its documents changed (else the next re-run
# updates from the older snapshot as cheaply, and nothing is written)
RESAVE_SHARE: Final = 0.01
_MARK_BITS: Final = 22  # a bitmap over the low bits of band keys: one pass finds the members of few buckets
_MARK_MASK: Final = np.uint64((1 << _MARK_BITS) - 1)
_READ_ERRORS = (OSError, ValueError, pl.exceptions.PolarsError)
_SHIFT = np.uint64(32)
# the array files of a snapshot folder, as `load` reads them (bands: one row of keys per band)
ARRAYS: Final = ("k1", "k2", "bands", "code", "count", "sim", "part", "part_exact")
Outcomes = tuple[np.ndarray, np.ndarray, np.ndarray]  # sim, part, part_exact per candidate
KeysOf = Callable[[np.ndarray], list[np.ndarray]]  # docs of this run → their keys, one array per band


@dataclass
class Snapshot:
    """A run's documents (k1, k2 in order), each band's keys of them, and its candidate codes with counts."""

    k1: np.ndarray
    k2: np.ndarray
    keys: list[np.ndarray]  # one uint64 array per band, docs in order
    codes: np.ndarray  # sorted a << 32 | b, a < b
    counts: np.ndarray  # bands whose bucket gives each pair (> 0)
    # what verification knew of each candidate when the snapshot was saved (sim, part, part_exact as in
    # winnow.curation.dedup.memo: NaN, NaN, -1 where unknown), and the memo's last pairs segment it reflects:
    # a re-run looks up only segments written after it, not every candidate
    outcomes: Outcomes | None = None
    covers: str = ""

    def update(
        self, k1: np.ndarray, k2: np.ndarray, keys_of: KeysOf, max_bucket_pairs: int | None
    ) -> Update | None:
        """The candidates of this run's documents (k1, k2 in order, distinct), from this snapshot; None when
        too much changed or the snapshot does not add up (then the caller builds them afresh)."""
        here = pl.DataFrame({"k1": k1, "k2": k2}).with_row_index("now")
        if here.select(pl.struct("k1", "k2").n_unique()).item() != len(k1):
            return None  # two documents with one key: which is which is not known
        stored = pl.DataFrame({"k1": self.k1, "k2": self.k2}).with_row_index("then")
        matched = stored.join(here, on=["k1", "k2"], how="inner").sort("then")
        then = matched["then"].to_numpy().astype(np.int64)
        now = matched["now"].to_numpy().astype(np.int64)
        # the documents that kept their order (the rest left and joined again): usually all, which one
        # comparison tells without the compiled search
        stays = np.ones(len(now), dtype=bool) if np.all(now[1:] > now[:-1]) else _increasing(now)
        moved = then[~stays]
        then, now = then[stays], now[stays]
        # each stored doc's index now (-1: gone or moved); int32: the merge looks it up for every stored pair
        position = np.full(len(self.k1), -1, dtype=np.int32)
        position[then] = now
        left = np.flatnonzero(position < 0)  # gone, or moved
        arrived = np.ones(len(k1), dtype=bool)
        arrived[matched["now"].to_numpy()] = False
        joined_new = np.flatnonzero(arrived)
        changed = len(left) + len(joined_new)
        if changed > MAX_CHANGED_SHARE * max(len(k1), 1):
            return None
        # the joining documents: moved ones (their keys are stored) and new ones (the caller's keys)
        moved_now = np.zeros(len(self.k1), dtype=np.int64)
        moved_now[matched["then"].to_numpy()] = matched["now"].to_numpy()
        joined = np.concatenate([moved_now[moved], joined_new])
        new_keys = keys_of(joined_new) if len(joined_new) else [np.zeros(0, np.uint64)] * len(self.keys)
        joined_keys = [
            np.concatenate([band[moved], new]) for band, new in zip(self.keys, new_keys, strict=True)
        ]
        old_codes, new_codes = [], []
        marks = np.zeros(1 << _MARK_BITS, dtype=bool)
        room = np.empty(len(self.k1), dtype=np.int64)
        for band, keys_in in zip(self.keys, joined_keys, strict=True):
            touched = sorted_unique(np.concatenate([band[left], keys_in]))
            if len(touched) == 0:
                continue
            members = _members(band, touched, marks, room)  # stored docs in a changed bucket, ascending
            old_codes.append(band_pair_codes(members, band[members], max_bucket_pairs))
            staying = members[position[members] >= 0]
            # every joining doc's bucket is a changed one (its key is in `touched`)
            docs_now = np.concatenate([position[staying], joined])
            keys_now = np.concatenate([band[staying], keys_in])
            new_codes.append(band_pair_codes(docs_now, keys_now, max_bucket_pairs))
        counts = self.counts.astype(np.int32)
        if old_codes:
            gone, times = runs(np.sort(np.concatenate(old_codes)))
            at = np.minimum(np.searchsorted(self.codes, gone), max(len(self.codes) - 1, 0))
            if len(self.codes) == 0 or not np.array_equal(self.codes[at], gone):
                return None  # a bucket's old pairs are not all stored: the snapshot does not add up
            counts[at] -= times.astype(np.int32)
        added, times = runs(np.sort(np.concatenate(new_codes))) if new_codes else runs(np.zeros(0, np.uint64))
        size = len(self.codes) + len(added)
        codes, kept = np.empty(size, dtype=np.uint64), np.empty(size, dtype=np.int32)
        outcomes = (np.empty(size), np.empty(size), np.empty(size, dtype=np.int8))
        m = len(self.codes)
        sim, part, exact = self.outcomes or (np.full(m, np.nan), np.full(m, np.nan), np.full(m, -1, np.int8))
        written = _merge(
            (self.codes, counts, position, sim, part, exact),
            (added, times.astype(np.int32)),
            (codes, kept, *outcomes),
        )
        if written < 0:
            return None  # a pair of a document that left is still counted: the snapshot does not add up
        codes, counts = codes[:written], kept[:written]
        outcomes = (outcomes[0][:written], outcomes[1][:written], outcomes[2][:written])
        return Update(
            self,
            Snapshot(
                k1,
                k2,
                [],
                codes,
                counts.astype(np.uint16),
                outcomes,
                self.covers,
            ),
            (then, now, joined, joined_keys),
            changed,
            len(joined),
        )


@compiled
def _merge(
    stored: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    new: tuple[np.ndarray, np.ndarray],
    into: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> int:
    """One pass over the stored pairs (their counts already lowered by the changed buckets' old pairs)
    and the changed buckets' new pairs (`added`, sorted, this run's numbering, with their counts): the stored
    pairs of docs that stay, renumbered (in order: those docs kept their order), merged with the new ones,
    counts summed, what verification knew carried along; pairs no bucket gives any more left out. Returns
    how many were written, or -1 when the counts do not add up (a pair of a document that left is still
    counted)."""
    codes, counts, position, sim, part, exact = stored
    added, times = new
    out, out_counts, out_sim, out_part, out_exact = into
    low, shift = np.uint64(0xFFFFFFFF), np.uint64(32)
    i, j, written = 0, 0, 0
    while True:
        code = np.uint64(0)
        while i < len(codes):  # the next stored pair of two docs that stay
            if counts[i] < 0:
                return -1
            a, b = position[np.int64(codes[i] >> shift)], position[np.int64(codes[i] & low)]
            if a >= 0 and b >= 0:
                code = (np.uint64(a) << shift) | np.uint64(b)
                break
            if counts[i] != 0:
                return -1
            i += 1
        if i >= len(codes) and j >= len(added):
            return written
        if i < len(codes) and (j >= len(added) or code <= added[j]):
            count = counts[i]
            if j < len(added) and code == added[j]:
                count += times[j]
                j += 1
            if count > 0:
                out[written], out_counts[written] = code, count
                out_sim[written], out_part[written], out_exact[written] = sim[i], part[i], exact[i]
                written += 1
            i += 1
        else:  # a pair only a changed bucket gives: nothing known of it yet
            out[written], out_counts[written] = added[j], times[j]
            out_sim[written], out_part[written], out_exact[written] = np.nan, np.nan, -1
            written += 1
            j += 1


def build(k1: np.ndarray, k2: np.ndarray, keys: list[np.ndarray], max_bucket_pairs: int | None) -> Snapshot:
    """Candidates built afresh (what candidate_pairs gives) with their counts, from each band's keys of docs
    0..n-1."""
    codes = band_codes(keys, max_bucket_pairs)
    unique, counts = counted_codes(codes, merge_parts(codes))
    return Snapshot(k1, k2, keys, unique, counts.astype(np.uint16))


@dataclass
class Update:
    stored: Snapshot
    updated: Snapshot  # this run's documents and candidates; band keys filled by `snapshot()`
    # docs that stayed (stored index, index now), docs that joined (index now) and their keys per band
    moves: tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]
    changed: int  # documents that left or joined (a moved one counts once)
    bucketed: int  # documents whose band keys were looked up in the buckets (joined or moved)

    @property
    def codes(self) -> np.ndarray:
        return self.updated.codes

    def snapshot(self) -> Snapshot:
        """This run's snapshot with its band keys (built only to be saved; its outcomes are set by the
        caller)."""
        then, now, joined, joined_keys = self.moves
        keys = []
        for band, keys_in in zip(self.stored.keys, joined_keys, strict=True):
            column = np.zeros(len(self.updated.k1), dtype=np.uint64)
            column[now], column[joined] = band[then], keys_in
            keys.append(column)
        return Snapshot(self.updated.k1, self.updated.k2, keys, self.updated.codes, self.updated.counts)


def _members(band: np.ndarray, touched: np.ndarray, marks: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Docs (ascending) whose key in this band is one of `touched` (sorted): a bitmap over the keys' low bits
    (`marks`, all False, left so) rules out nearly every doc in one compiled pass, a search in `touched`
    confirms the others. `out`: room for every doc."""
    low = (touched & _MARK_MASK).astype(np.int64)
    marks[low] = True
    found = _marked_members(band, touched, marks, out)
    marks[low] = False
    return out[:found].copy()


@compiled
def _marked_members(band: np.ndarray, touched: np.ndarray, marks: np.ndarray, out: np.ndarray) -> int:
    found = 0
    mask = np.uint64(_MARK_MASK)
    for doc in range(len(band)):
        key = band[doc]
        if marks[np.int64(key & mask)]:
            lo, hi = 0, len(touched)  # a binary search (numba's np.searchsorted costs ~0.3 s more to compile)
            while lo < hi:
                mid = (lo + hi) // 2
                if touched[mid] < key:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < len(touched) and touched[lo] == key:
                out[found] = doc
                found += 1
    return found


@compiled
def _increasing(values: np.ndarray) -> np.ndarray:
    """A longest strictly increasing subsequence of `values` (patience sorting), as a mask: the documents
    that kept their relative order."""
    n = len(values)
    keep = np.zeros(n, dtype=np.bool_)
    tails = np.empty(n, dtype=np.int64)  # tails[k]: index of the smallest tail of an increasing run of k + 1
    before = np.full(n, -1, dtype=np.int64)
    length = 0
    for i in range(n):
        lo, hi = 0, length
        while lo < hi:
            mid = (lo + hi) // 2
            if values[tails[mid]] < values[i]:
                lo = mid + 1
            else:
                hi = mid
        if lo > 0:
            before[i] = tails[lo - 1]
        tails[lo] = i
        if lo == length:
            length += 1
    i = tails[length - 1] if length else -1
    while i >= 0:
        keep[i] = True
        i = before[i]
    return keep


class Snapshots:
    """The candidate snapshots in a memo folder (None: no memo folder, nothing is kept)."""

    def __init__(self, memo_folder: Path | None) -> None:
        self.root = None if memo_folder is None else memo_folder / FOLDER

    @staticmethod
    def tag(bands: int, rows: int, max_bucket_pairs: int | None) -> str:
        return f"{bands}x{rows}-{'all' if max_bucket_pairs is None else max_bucket_pairs}"

    def _complete(self, tag: str) -> list[Path]:
        if self.root is None or not self.root.is_dir():
            return []
        return sorted(p for p in self.root.glob(f"{tag}-*") if (p / "complete").is_file())

    def load(self, bands: int, rows: int, max_bucket_pairs: int | None) -> Snapshot | None:
        found = self._complete(self.tag(bands, rows, max_bucket_pairs))
        if not found:
            return None
        folder = found[-1]
        try:
            # mapped, not read: the pages the update touches are read (the band keys of few buckets' docs);
            # copy-on-write, so the arrays are writable like those a run builds (numba compiles one version of
            # each kernel for writable arrays and another for read-only ones)
            arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="c") for name in ARRAYS}
            band_keys = arrays["bands"]
            if band_keys.shape != (bands, len(arrays["k1"])):
                return None
            return Snapshot(
                arrays["k1"],
                arrays["k2"],
                list(band_keys),
                arrays["code"],
                arrays["count"],
                (arrays["sim"], arrays["part"], arrays["part_exact"]),
                (folder / "complete").read_text(encoding="utf-8").strip(),
            )
        except (*_READ_ERRORS, KeyError):  # damaged: candidates are built afresh (and stored again)
            return None

    def save(self, snapshot: Snapshot, bands: int, rows: int, max_bucket_pairs: int | None) -> None:
        """Store the snapshot, then remove older ones. Best effort: a snapshot only saves work, so a folder
        that cannot be written (disk full, another run sharing the cache pruning it) leaves the run as it
        is, and the next run builds its candidates afresh."""
        if self.root is None:
            return
        if snapshot.outcomes is None:
            raise ValueError("a snapshot is saved with its candidates' outcomes")
        tag = self.tag(bands, rows, max_bucket_pairs)
        folder = self.root / f"{tag}-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        try:
            folder.mkdir(parents=True)
            sim, part, exact = snapshot.outcomes
            n = len(snapshot.k1)
            band_keys = np.stack(snapshot.keys) if snapshot.keys else np.zeros((0, n), dtype=np.uint64)
            columns = {
                "k1": snapshot.k1,
                "k2": snapshot.k2,
                "bands": band_keys,
                "code": snapshot.codes,
                "count": snapshot.counts,
                "sim": sim,
                "part": part,
                "part_exact": exact,
            }
            for name in ARRAYS:  # the folder is read only once `complete` is written: no file is atomic
                np.save(folder / f"{name}.npy", np.ascontiguousarray(columns[name]), allow_pickle=False)
            (folder / "complete").write_text(snapshot.covers, encoding="utf-8")
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            return
        with contextlib.suppress(OSError):  # another run sharing the cache removed a folder first
            self._prune(tag, folder)

    def _prune(self, tag: str, saved: Path) -> None:
        """Older complete snapshots of this setting; folders never completed (a run killed while writing)
        once they are an hour old (a younger one may be another run's, still writing); whole settings
        beyond KEEP_SETTINGS, least recent first."""
        if self.root is None:
            return
        now = time.time()
        for old in (p for p in self.root.glob(f"{tag}-*") if p != saved):
            if (old / "complete").is_file() or now - old.stat().st_mtime > 3600:
                shutil.rmtree(old, ignore_errors=True)
        latest: dict[str, float] = {}
        for path in self.root.iterdir():
            setting = "-".join(path.name.split("-")[:2])
            latest[setting] = max(latest.get(setting, 0.0), path.stat().st_mtime)
        for old_tag in sorted(latest, key=lambda t: latest[t], reverse=True)[KEEP_SETTINGS:]:
            for path in self.root.glob(f"{old_tag}-*"):
                shutil.rmtree(path, ignore_errors=True)
