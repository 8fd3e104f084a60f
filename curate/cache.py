"""The metric cache: per-row metric values keyed by row content and metric definition.

Changing only a threshold must not recompute a metric. A metric's identity is the serialized Polars
expression that computes it (field, check and every parameter the expression uses — but not the threshold,
which only enters the comparison), hashed with blake2b together with the Polars version. A row's identity is
a 128-bit key of its content columns (everything but id/source/line).

Row keys use Polars' `hash` (two seeds). That hash is not stable across Polars versions, which is why it is
never used for ids or splits; here the Polars version is part of every cache file's name, so an upgrade
only means a cold cache, never a wrong value.

Layout: CACHE_DIR/metrics/<blake2b of metric>.parquet holds one column, value (Float64): rows in the order
of the last run that wrote it, followed by older rows. Next to it, a `.keys` file names two key digests: that
run's (its rows come first) and the whole file's, whose key list (k1, k2: UInt64) is stored once in
CACHE_DIR/metrics/keys/<digest>.parquet and shared by every metric file with the same rows (row keys are
random bits: storing them with each of 33 metrics was two thirds of a cold run's cache writes). A re-run
on the same rows (the tuning loop) matches the first digest and reads only the value column; any other
run joins on the stored keys. Files are written atomically, and a run's metric files concurrently.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xxhash

from winnow.curation.atomic import atomic_open, atomic_path
from winnow.curation.kernels import KERNELS_VERSION
from winnow.curation.record import RECORD_SCHEMA

CACHE_FORMAT = 4  # 2: values and keys apart; 3: messages hashed per element; 4: mapper cache in two files
MAX_CACHED_ROWS = 5_000_000  # per metric file: older rows beyond this are forgotten
_KEY_SEEDS = (0x5EED_0001, 0x5EED_0002)
_NOT_CONTENT = ("id", "source", "line")


def content_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in RECORD_SCHEMA.names() if c in frame.columns and c not in _NOT_CONTENT]


def _hashable(name: str, dtype: pl.DataType, seed: int) -> pl.Expr:
    """The column as it enters the row key. A list of structs (messages) enters as a hash of each list's
    per-element hashes of its fields: hashing the nested column directly is 2.5x slower (Polars encodes
    nested values into rows first), and it is a third of a re-run's fixed cost."""
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        fields = [pl.element().struct.field(f.name).hash(seed) for f in dtype.inner.fields]
        return pl.col(name).list.eval(pl.struct(fields).hash(seed)).hash(seed).alias(name)
    return pl.col(name)


def row_keys(frame: pl.DataFrame, seeds: int = 2) -> pl.DataFrame:
    """k1, k2: a 128-bit key of each row's content (same content → same key); `seeds=1`: k1 alone."""
    names = content_columns(frame)
    return frame.select(
        pl.struct([_hashable(name, frame.schema[name], seed) for name in names]).hash(seed).alias(key)
        for key, seed in list(zip(("k1", "k2"), _KEY_SEEDS, strict=True))[:seeds]
    )


# Row keys handed on by the mappers stage for the frame it returns, so that the checks stage does not hash
# every row again (hashing 1M rows costs ~0.5 CPU-s: a fifth of a warm re-run). Only ever used for the
# very object it was registered with (a weak reference), and only when the heights agree.
_handed_on: tuple[weakref.ref[pl.DataFrame], pl.DataFrame] | None = None


def hand_on_keys(frame: pl.DataFrame, keys: pl.DataFrame) -> None:
    """Register `keys` as `row_keys(frame)` (the caller guarantees it: tests check the mappers' use)."""
    global _handed_on
    _handed_on = (weakref.ref(frame), keys)


def handed_on_keys(frame: pl.DataFrame) -> pl.DataFrame | None:
    """The keys registered for this very frame object, or None."""
    if _handed_on is None or _handed_on[0]() is not frame or _handed_on[1].height != frame.height:
        return None
    return _handed_on[1]


def keys_digest(keys: pl.DataFrame) -> str:
    """XXH3-128 of a key frame's bytes: equal digests = the same rows in the same order (the keys are
    already 128-bit hashes; blake2b of their 16 MB per 1M rows cost 2% of a re-run)."""
    digest = xxhash.xxh3_128()
    for name in ("k1", "k2"):
        digest.update(keys[name].rechunk().to_numpy().tobytes())
    return f"{keys.height}:{digest.hexdigest()}"


def expression_definition(expr: pl.Expr, fallback: str = "") -> str:
    """The serialized expression. One with Python callbacks (a compiled kernel) has no serialized form: it
    is defined by `fallback`, its printed form (which still names its columns, literals and gated parts,
    see winnow.curation.checks.textexpr) and KERNELS_VERSION."""
    try:
        return expr.meta.serialize(format="json")
    except Exception:
        return "|".join(part for part in (fallback, str(expr), f"kernels={KERNELS_VERSION}") if part)


def metric_identity(expr: pl.Expr, fallback: str, depends: str = "") -> str:
    """blake2b of the metric's serialized expression (or of `fallback` and its printed form when it cannot
    be serialized) and of `depends`, the definitions of the temporary columns the expression reads."""
    definition = expression_definition(expr, fallback)
    if depends:
        definition = f"{definition}|reads|{depends}"
    payload = f"{CACHE_FORMAT}|{pl.__version__}|{definition}".encode()
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0  # metric values taken from the cache
    computed: int = 0  # metric values computed this run
    metrics_from_cache: list[str] = field(default_factory=list)  # metrics with no value computed


@dataclass
class MetricCache:
    """Metrics cached on disk under `directory` (None = no cache: everything is computed)."""

    directory: Path | None
    stats: CacheStats = field(default_factory=CacheStats)

    def _path(self, identity: str) -> Path:
        assert self.directory is not None
        return self.directory / "metrics" / f"{identity}.parquet"

    def _keys_path(self, digest: str) -> Path:
        assert self.directory is not None
        return self.directory / "metrics" / "keys" / f"{digest.replace(':', '-')}.parquet"

    def holds(self, identity: str) -> bool:
        """Whether a file of values of the metric `identity` is on disk (for some rows: maybe not these)."""
        return self.directory is not None and self._path(identity).with_suffix(".keys").is_file()

    def _digests(self, identity: str) -> tuple[str, str] | None:
        """(digest of the rows the last run wrote first, digest of the file's whole key list)."""
        try:
            head, _, whole = (
                self._path(identity).with_suffix(".keys").read_text(encoding="utf-8").partition("\n")
            )
        except OSError:
            return None
        return (head, whole) if whole else None

    def _read_all(self, identity: str) -> pl.DataFrame | None:
        """The file's keys and values (k1, k2, value), or None when missing or damaged."""
        digests = self._digests(identity)
        if digests is None:
            return None
        try:
            keys = pl.read_parquet(self._keys_path(digests[1]), glob=False)
            values = pl.read_parquet(self._path(identity), columns=["value"], glob=False)
        except Exception:  # a damaged cache file is a cold cache, never an error
            return None
        if keys.height != values.height:
            return None
        return keys.with_columns(values["value"])

    def _lookup(
        self, identity: str, keys: pl.DataFrame, digest: str
    ) -> tuple[pl.Series, pl.Series | None] | None:
        """(values, hit mask) aligned with `keys` (mask None: every row hit), or None when nothing is cached."""
        digests = self._digests(identity)
        if digests is None:
            return None
        if digests[0] == digest:
            try:
                values = pl.read_parquet(
                    self._path(identity), columns=["value"], n_rows=keys.height, glob=False
                )["value"]
            except Exception:
                return None
            if values.len() == keys.height:
                return values, None
        cached = self._read_all(identity)
        if cached is None:
            return None
        joined = keys.join(
            cached.unique(["k1", "k2"], keep="first").with_columns(pl.lit(True).alias("hit")),
            on=["k1", "k2"],
            how="left",
            maintain_order="left",
        )
        return joined["value"], joined["hit"].fill_null(False)

    def _store(self, identity: str, keys: pl.DataFrame, values: pl.Series, digest: str) -> None:
        """Write `values` (aligned with `keys`) first, then the file's older rows for other keys."""
        stored_keys, stored_values, whole = keys, values.alias("value"), digest
        older = self._read_all(identity)
        if older is not None:
            older = older.join(keys, on=["k1", "k2"], how="anti")
            if older.height:
                room = max(MAX_CACHED_ROWS, keys.height) - keys.height
                older = older.head(room)
                stored_keys = pl.concat([keys, older.select("k1", "k2")])
                stored_values = pl.concat([stored_values, older["value"]])
                whole = keys_digest(stored_keys)
        path = self._path(identity)
        path.with_suffix(".keys").unlink(missing_ok=True)  # never digests for a file being replaced
        self._store_keys(stored_keys, whole)
        with atomic_path(path) as tmp:
            # lz4: 1.5x faster to write than zstd and 2.5x faster to read back on a warm run. One row group:
            # read back as one chunk, which the checks stage splits like its frame without a copy.
            stored_values.to_frame().write_parquet(
                tmp, compression="lz4", row_group_size=max(1, stored_values.len())
            )
        with atomic_open(path.with_suffix(".keys")) as handle:
            handle.write(f"{digest}\n{whole}")

    def _store_keys(self, keys: pl.DataFrame, digest: str) -> None:
        path = self._keys_path(digest)
        if path.is_file():  # written by another metric of this run (or an earlier run on these rows)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            keys.write_parquet(tmp, compression="uncompressed")  # random bits: nothing to compress

    def metrics(
        self,
        frame: pl.DataFrame,
        exprs: Mapping[str, tuple[pl.Expr, str]],
        prepare: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None,
        depends: Mapping[str, str] | None = None,
        keys: pl.DataFrame | None = None,
    ) -> pl.DataFrame:
        """Columns name → Float64 metric for every row; `exprs` maps name → (expression, fallback id).

        Cached values are reused; the rest are computed in one pass over the rows that miss, after
        `prepare` (adding the columns the expressions read) is applied to those rows only; `depends`
        maps a name to the definitions of those columns (part of the metric's identity); `keys` are
        `row_keys(frame)` when the caller already has them.
        """
        ready = prepare or (lambda lazy: lazy)
        if self.directory is None or frame.height == 0:
            self.stats.computed += frame.height * len(exprs)
            return ready(frame.lazy()).select([e.alias(n) for n, (e, _) in exprs.items()]).collect()
        keys = row_keys(frame) if keys is None else keys
        digest = keys_digest(keys)
        identities = {
            name: metric_identity(expr, fallback, (depends or {}).get(name, ""))
            for name, (expr, fallback) in exprs.items()
        }
        # read side by side (each file is one row group, decoded by one thread)
        with ThreadPoolExecutor(max_workers=2) as pool:
            lookups = pool.map(lambda identity: self._lookup(identity, keys, digest), identities.values())
            found = dict(zip(identities, lookups, strict=True))
        to_compute = [n for n, r in found.items() if r is None or (r[1] is not None and not bool(r[1].all()))]
        miss = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True).alias("miss")
        for name in to_compute:
            result = found[name]
            if result is None or result[1] is None:
                miss = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True).alias("miss")
                break
            miss = miss | ~result[1]
        computed = pl.DataFrame()
        if to_compute:
            computed = (
                ready(frame.lazy().filter(pl.lit(miss)))
                .select([exprs[n][0].alias(n) for n in to_compute])
                .collect()
            )
        columns = []
        stores = []
        missing_rows = miss.arg_true() if to_compute and computed.height < frame.height else None
        for name, result in found.items():
            if name not in to_compute:
                assert result is not None
                self.stats.hits += frame.height
                self.stats.metrics_from_cache.append(name)
                columns.append(result[0].alias(name))
                continue
            fresh = computed[name].cast(pl.Float64)
            if missing_rows is not None:  # some rows came from the cache: place the computed ones
                fresh = (
                    pl.repeat(None, frame.height, dtype=pl.Float64, eager=True)
                    .alias(name)
                    .scatter(missing_rows, fresh)
                )
            if result is not None:
                values, hit = result
                assert hit is not None  # a metric every row hit is not computed
                fresh = pl.select(
                    pl.when(pl.lit(hit)).then(pl.lit(values)).otherwise(pl.lit(fresh))
                ).to_series()
                self.stats.hits += int(hit.sum())
            self.stats.computed += computed.height
            fresh = fresh.alias(name)
            stores.append((identities[name], fresh))
            columns.append(fresh)
        if stores:
            # the keys file first (shared by every metric of these rows), then the value files side by side:
            # Polars writes without the GIL
            self._store_keys(keys, digest)
            with ThreadPoolExecutor(max_workers=2) as pool:
                for future in [pool.submit(self._store, i, keys, values, digest) for i, values in stores]:
                    future.result()
        return pl.DataFrame(columns)
