"""Where signatures and band keys live between batches: in memory, or on disk as Parquet (spill).

Every batch becomes one frame (doc, b0..b{bands-1}, sig) plus the shingle hashes of its documents (for
exact-Jaccard verification). Later steps read bands through `scan()`, one band column at a time, and
shingle hashes only for the documents of candidate pairs, so with spill on, memory holds one batch's
signatures or one band of the whole corpus, never all signatures at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from winnow.curation.atomic import write_parquet
from winnow.curation.dedup.verify import ShingleHashes, gather_ranges
from winnow.curation.kernels.threads import thread_map


class BandStore:
    def __init__(self, bands: int, spill_dir: Path | None = None) -> None:
        self.bands = bands
        self.spill_dir = spill_dir
        self._frames: list[pl.DataFrame] = []
        self._files: list[Path] = []
        self._shingles: list[tuple[int, np.ndarray, np.ndarray]] = []  # (start, hashes, offsets) in memory
        self._shingle_files: list[Path] = []
        if spill_dir is not None:
            spill_dir.mkdir(parents=True, exist_ok=True)

    def add(
        self, start: int, sig: np.ndarray, keys: np.ndarray, hashes: np.ndarray, offsets: np.ndarray
    ) -> None:
        n = sig.shape[0]
        columns: dict[str, pl.Series] = {
            "doc": pl.Series("doc", np.arange(start, start + n, dtype=np.uint32))
        }
        for i in range(self.bands):
            columns[f"b{i}"] = pl.Series(f"b{i}", keys[:, i])
        columns["sig"] = pl.Series("sig", sig)  # Array(UInt32, num_perm)
        frame = pl.DataFrame(columns)
        if self.spill_dir is None:
            self._frames.append(frame)
            self._shingles.append((start, hashes, offsets))
            return
        path = self.spill_dir / f"signatures-{start:012d}.parquet"
        write_parquet(path, frame)
        self._files.append(path)
        docs = np.repeat(np.arange(start, start + n, dtype=np.uint32), np.diff(offsets))
        shingles = self.spill_dir / f"shingles-{start:012d}.parquet"
        write_parquet(shingles, pl.DataFrame({"doc": docs, "h": hashes}))
        self._shingle_files.append(shingles)

    def lookup(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hashes, offsets) of the given sorted, distinct docs (a `HashSource` for pair_jaccard)."""
        found = self.shingle_hashes(docs)
        return found.hashes, found.offsets

    def shingle_hashes(self, docs: np.ndarray) -> ShingleHashes:
        """Shingle hashes of the given sorted, distinct docs."""
        docs = np.asarray(docs, dtype=np.int64)
        if self.spill_dir is not None:
            found = (
                pl.scan_parquet(self._shingle_files, glob=False)
                .filter(pl.col("doc").is_in(pl.Series(docs.astype(np.uint32)).implode()))
                .collect()
                .sort("doc", maintain_order=True)
            )
            counts = np.bincount(np.searchsorted(docs, found["doc"].to_numpy()), minlength=len(docs))
            offsets = np.zeros(len(docs) + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
            return ShingleHashes(docs, found["h"].to_numpy().astype(np.uint64), offsets)

        def batch_hashes(batch: tuple[int, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
            start, hashes, offsets = batch
            lo, hi = np.searchsorted(docs, [start, start + len(offsets) - 1])
            local = docs[lo:hi] - start
            size = np.diff(offsets)[local]
            return gather_ranges(hashes, offsets[local], size), size

        batches = sorted(self._shingles, key=lambda batch: batch[0])  # the pool's order varies
        pieces = thread_map(batch_hashes, batches)
        parts, sizes = [hashes for hashes, _ in pieces], [size for _, size in pieces]
        size_all = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
        out = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(size_all, out=out[1:])
        hashes_all = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        return ShingleHashes(docs, hashes_all, out)

    def scan(self) -> pl.LazyFrame:
        if self.spill_dir is not None:
            if not self._files:
                return pl.LazyFrame(schema={"doc": pl.UInt32})
            return pl.scan_parquet(self._files, glob=False)
        if not self._frames:
            return pl.LazyFrame(schema={"doc": pl.UInt32})
        return pl.concat([f.lazy() for f in self._frames])

    def band_columns(self, n: int) -> list[np.ndarray]:
        """Each band's keys of docs 0..n-1 (every doc was signed into this store). In memory the batches'
        columns are placed directly (a query per band cost ~4 ms even on 2k docs); spilled, the files are
        read one band at a time."""
        columns = [np.zeros(n, dtype=np.uint64) for _ in range(self.bands)]
        if self.spill_dir is None:
            for frame in self._frames:
                docs = frame["doc"].to_numpy()
                for i, column in enumerate(columns):
                    column[docs] = frame[f"b{i}"].to_numpy()
            return columns
        banded = self.scan()
        docs = banded.select("doc").collect()["doc"].to_numpy().astype(np.int64)  # batches in pool order
        for i, column in enumerate(columns):
            column[docs] = banded.select(f"b{i}").collect()[f"b{i}"].to_numpy()
        return columns

    def signatures(self, docs: np.ndarray) -> np.ndarray:
        """(len(docs), num_perm) signatures of the given docs, in the order given."""
        wanted = pl.DataFrame({"doc": docs.astype(np.uint32)}).with_row_index("order")
        found = (
            self.scan()
            .select("doc", "sig")
            .join(wanted.lazy(), on="doc", how="inner")
            .sort("order")
            .collect()
        )
        return found["sig"].to_numpy()

    @property
    def files(self) -> list[Path]:
        return list(self._files)

    def cleanup(self) -> None:
        for path in [*self._files, *self._shingle_files]:
            path.unlink(missing_ok=True)
        self._files.clear()
        self._shingle_files.clear()
        self._frames.clear()
        self._shingles.clear()
