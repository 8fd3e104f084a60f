"""Loading a run folder for the report: stats.json plus the light columns of rows.parquet.

Only the columns the statistics need (ids, ledger, metrics, spans, stage columns) are read in full; text
is fetched for the few sampled example rows only, so a report over a million rows never holds the whole
corpus in memory. rows.parquet holds no texts (winnow.curation.run_folder.TEXT_COLUMNS): they are read from
kept.parquet and dropped.parquet, or from rows.parquet itself where it has them (a folder written before
rows.parquet lost its texts, or made by hand).

    run = load_run(run_dir)                 # from the files
    run = load_run(run_dir, rows=frame)     # right after `winnow curate`: the frame it wrote, not read again
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.errors import WinnowError
from winnow.curation.record import field_expr
from winnow.curation.run_folder import DROPPED, KEPT, TEXT_COLUMNS

STAGE_COLUMN_PREFIXES = ("metric.", "span.", "lang.", "lang_purity.", "dup_", "task", "split", "repeats")
LEDGER_COLUMNS = (
    "id",
    "source",
    "line",
    "kind",
    "drop_reason",
    "failed_rules",
    "flagged_rules",
    "check_spans",
)


UNSHOWN_COLUMNS = ("original",)  # left out of fetched rows (RunData.fetch)


class RunFolderError(WinnowError):
    """A run folder without the files a report needs."""


@dataclass
class RunData:
    run_dir: Path
    stats: dict[str, Any]
    frame: pl.DataFrame  # light columns of every row
    rows_path: Path
    columns: list[str] = field(default_factory=list)  # every column in rows.parquet
    # every row with every column, in memory (the frame `winnow curate` just wrote): fetched from, not the files
    rows: pl.DataFrame | None = None

    @property
    def rules(self) -> list[dict[str, Any]]:
        return list(self.stats.get("rules") or [])

    _cache: pl.DataFrame | None = None
    _by_reason: dict[str, pl.DataFrame] | None = None
    _by_flag: dict[str, pl.DataFrame] | None = None

    def dropped_by(self, reason: str) -> pl.DataFrame:
        """`id` of the rows whose drop_reason is `reason`, in row order (every reason grouped in one pass:
        a filter of every row per rule was ~10 ms a rule at 1M rows)."""
        if self._by_reason is None:
            dropped = self.frame.select("id", "drop_reason").filter(pl.col("drop_reason").is_not_null())
            groups = dropped.partition_by("drop_reason", as_dict=True, maintain_order=True)
            self._by_reason = {str(key[0]): part.select("id") for key, part in groups.items()}
        return self._by_reason.get(reason, pl.DataFrame({"id": []}, schema={"id": pl.String}))

    def flagged_by(self, rule: str) -> pl.DataFrame:
        """`id` of the kept rows that `rule` flagged, in row order (every rule grouped in one pass)."""
        if self._by_flag is None:
            flagged = (
                self.frame.select("id", "drop_reason", "flagged_rules")
                .filter(pl.col("drop_reason").is_null() & (pl.col("flagged_rules").list.len() > 0))
                .select("id", pl.col("flagged_rules").list.unique(maintain_order=True))
                .explode("flagged_rules")
            )
            groups = flagged.partition_by("flagged_rules", as_dict=True, maintain_order=True)
            self._by_flag = {str(key[0]): part.select("id") for key, part in groups.items()}
        return self._by_flag.get(rule, pl.DataFrame({"id": []}, schema={"id": pl.String}))

    def text_rows(self) -> pl.LazyFrame:
        """Every row with its texts, lazily: the in-memory rows, or rows.parquet where it holds the texts,
        else kept.parquet and dropped.parquet (the files that exist) with rows.parquet's columns."""
        if self.rows is not None:
            return self.rows.lazy()
        if not self.columns or any(name in self.columns for name in TEXT_COLUMNS):
            return pl.scan_parquet(self.rows_path, glob=False)
        files = [self.run_dir / name for name in (KEPT, DROPPED) if (self.run_dir / name).is_file()]
        if not files:
            return pl.scan_parquet(self.rows_path, glob=False)
        return pl.concat([pl.scan_parquet(path, glob=False) for path in files], how="diagonal_relaxed")

    def prefetch(self, ids: list[str]) -> None:
        """Gather the rows with these ids in one pass over the rows holding texts (text_rows: a scan of the
        files, or the rows in memory), so that each fetch after it filters a few rows, not every row."""
        known = set() if self._cache is None else set(self._cache["id"].to_list())
        missing = list(dict.fromkeys(i for i in ids if i not in known))
        if not missing and self._cache is not None:
            return
        scan = self.text_rows()
        # the mappers' `original` texts are shown nowhere: ~15% of the gather's decoding
        scan = scan.select([c for c in scan.collect_schema().names() if c not in UNSHOWN_COLUMNS])
        rows = scan.filter(pl.col("id").is_in(missing)).collect()
        self._cache = rows if self._cache is None else pl.concat([self._cache, rows], how="diagonal_relaxed")

    def fetch(self, ids: list[str]) -> pl.DataFrame:
        """The rows with these ids (for examples), every column but UNSHOWN_COLUMNS, in the order given."""
        self.prefetch(ids)
        assert self._cache is not None
        rows = self._cache.filter(pl.col("id").is_in(ids)).unique("id", keep="first", maintain_order=True)
        order = {row_id: i for i, row_id in enumerate(ids)}
        return (
            rows.with_columns(
                pl.col("id").replace_strict(order, return_dtype=pl.Int64, default=None).alias("__order")
            )
            .sort("__order")
            .drop("__order")
        )


def load_run(run_dir: Path, rows: pl.DataFrame | None = None, only: Sequence[str] | None = None) -> RunData:
    """Read RUNDIR/stats.json and the light columns of RUNDIR/rows.parquet; with `rows` (every row, every
    column: the frame the run folder was just written from) the light columns come from it instead; `only`:
    just these of the light columns (the comparison reads a previous run's ids and reasons)."""
    stats_path, rows_path = run_dir / "stats.json", run_dir / "rows.parquet"
    for path in (stats_path, rows_path):
        if not path.exists():
            raise RunFolderError(f"{path} is missing: is {run_dir} a folder written by `winnow curate`?")
    try:
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise RunFolderError(f"{stats_path}: not valid JSON ({error})") from error
    source = pl.scan_parquet(rows_path, glob=False) if rows is None else rows.lazy()
    columns = source.collect_schema().names()
    light = [c for c in columns if c in LEDGER_COLUMNS or c.startswith(STAGE_COLUMN_PREFIXES)]
    if only is not None:
        light = [c for c in light if c in only]
    frame = source.select(light).collect()
    if "drop_reason" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("drop_reason"))
    for column in ("failed_rules", "flagged_rules"):  # flagged_rules: runs before rules had an action
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit([], pl.List(pl.String)).alias(column))
    return RunData(run_dir=run_dir, stats=stats, frame=frame, rows_path=rows_path, columns=columns, rows=rows)


def display_text(rows: pl.DataFrame, field_name: str | None) -> list[str | None]:
    """The text a rule looked at, per row: its field, or instruction + response for row-scope checks."""
    if rows.is_empty():
        return []
    if field_name and field_name != "messages":
        try:
            return rows.select(field_expr(field_name)).to_series().to_list()
        except (KeyError, pl.exceptions.ColumnNotFoundError):
            pass
    if field_name == "messages" and "messages" in rows.columns:
        return [
            "\n".join(f"[{m['role']}] {m['content']}" for m in (messages or []))
            for messages in rows["messages"].to_list()
        ]
    try:
        return rows.select(field_expr("all_text")).to_series().to_list()
    except pl.exceptions.ColumnNotFoundError:
        return [None] * rows.height
