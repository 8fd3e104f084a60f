"""Where signatures and band keys live between batches: in memory, or on disk as Parquet (spill).

Every batch becomes one frame (doc, b0..b{bands-1}, sig). Later steps read it through `scan()`, one band
column at a time, so with spill on, memory holds one batch's signatures or one band of the whole corpus,
never all signatures at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from curate.atomic import write_parquet


class BandStore:
    def __init__(self, bands: int, spill_dir: Path | None = None) -> None:
        self.bands = bands
        self.spill_dir = spill_dir
        self._frames: list[pl.DataFrame] = []
        self._files: list[Path] = []
        if spill_dir is not None:
            spill_dir.mkdir(parents=True, exist_ok=True)

    def add(self, start: int, sig: np.ndarray, keys: np.ndarray) -> None:
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
            return
        path = self.spill_dir / f"signatures-{start:012d}.parquet"
        write_parquet(path, frame)
        self._files.append(path)

    def scan(self) -> pl.LazyFrame:
        if self.spill_dir is not None:
            if not self._files:
                return pl.LazyFrame(schema={"doc": pl.UInt32})
            return pl.scan_parquet(self._files)
        if not self._frames:
            return pl.LazyFrame(schema={"doc": pl.UInt32})
        return pl.concat([f.lazy() for f in self._frames])

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
        for path in self._files:
            path.unlink(missing_ok=True)
        self._files.clear()
        self._frames.clear()
