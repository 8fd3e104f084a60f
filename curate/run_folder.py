"""A run folder: what `winnow curate` writes (whole or not at all) and what export and shard check before
they trust it.

    run = write_run_folder(run_dir, frame, quarantine, stats, rules)   # stats.json's "run" entry
    check_run_folder(run_dir)   # raises RunFolderError when the files are not all from one run

The files (described in winnow.curation.run_curate) are written into a staging folder next to RUNDIR and swapped in
(winnow.curation.atomic.atomic_folder), so a run killed or stopped by a full disk leaves the previous run folder as
it was. Entries of the old folder that are not run files (the `previous/` snapshot the report compares
with, a person's own files) are carried into the new one; the old report.html is not (it describes the old
run; the CLI writes the new one after the swap).

Each file also names the run it belongs to, so that a folder mixed some other way (written by a winnow
that wrote file by file, assembled by hand) is refused rather than trusted:

    run id            `<UTC time>-<random>`, new for every run: Parquet key-value metadata `winnow.run_id`
                      in rows.parquet and dropped.parquet, `run.id` in stats.json, the first line of
                      rules.resolved.yaml
    kept.parquet      holds no id: its bytes stay a function of the kept rows alone, because `winnow run`
                      and the shard cache decide what to redo from them (a re-run that changes no kept row
                      redoes nothing after curate). It is tied to its run by its XXH3-128 digest, which
                      each of the files above records (`winnow.kept_xxh3`, `run.kept_xxh3`, the YAML line)
    quarantine.jsonl  JSON Lines, no room for a header: its digest is in stats.json
    dup_pairs.parquet a table the dedup stage hands over (ctx.tables, near.report_pairs), written into the
                      staging folder like the others and never carried over from an older run: its digest is
                      in stats.json, so one copied beside another run's files is refused
stats.json's `run` entry: {"id": ..., "xxh3": {"kept.parquet": ..., "quarantine.jsonl": ..., ...}}.

A folder holding kept.parquet and none of the other run files (kept rows prepared by hand) has no run to
mix and is accepted.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import xxhash

from winnow.curation.atomic import atomic_folder, atomic_open, write_json, write_parquet
from winnow.curation.errors import UsageError
from winnow.curation.ledger import dropped, kept
from winnow.curation.rulefile.load import RuleFile

ROWS, KEPT, DROPPED = "rows.parquet", "kept.parquet", "dropped.parquet"
# the columns that hold a row's corpus text (the canonical record's and the mappers' `original`): written into
# kept.parquet or dropped.parquet, not again into rows.parquet, which is the ledger of every row. Encoding the
# texts is most of writing a run folder (1M rows: `messages` alone ~1.4 of ~2.6 CPU-s for rows.parquet), and
# every reader of rows.parquet wants its ids, reasons and stage columns; a row's text is one join away
# (winnow.reports.run_data reads it from kept and dropped)
TEXT_COLUMNS = ("system", "messages", "input", "tools", "chosen", "rejected", "text", "meta", "original")
QUARANTINE, STATS, RULES = "quarantine.jsonl", "stats.json", "rules.resolved.yaml"
RUN_FILES = (ROWS, KEPT, DROPPED, QUARANTINE, STATS, RULES)
PAIRS = "dup_pairs.parquet"  # winnow.curation.dedup.stage.PAIRS_FILE (a test holds the two equal)
STAGE_FILES = (PAIRS,)  # optional tables a stage hands to the writer (StageContext.tables)
DIGESTED = (KEPT, QUARANTINE, PAIRS)  # files tied to their run by a digest in stats.json
REPORT = "report.html"
RUN_ID_KEY, KEPT_KEY = "winnow.run_id", "winnow.kept_xxh3"
# zstd level of every Parquet file of the run folder: level 1 costs ~1/4 less CPU than the default 3 for files
# ~1/4 larger, and decodes the same (bench/results/e2e.md, sessions 9 and 10: kept.parquet of 465k rows 2.0 ->
# 1.4 CPU-s, 73 -> 92 MB). kept.parquet's bytes stay a function of its rows (what `winnow run` and the shard
# cache key on); what a person ships is `winnow export`'s output, not this file.
LEDGER_ZSTD = 1
_YAML_LINE = re.compile(r"# winnow run (\S+), kept\.parquet xxh3 ([0-9a-f]+)\n")


class RunFolderError(UsageError):
    """A run folder whose files are not all from one `winnow curate` run. Exit code 2."""


@dataclass(frozen=True)
class RunFolder:
    path: Path
    run_id: str | None  # None: kept.parquet alone, prepared by hand
    kept_xxh3: str


def file_xxh3(path: Path) -> str:
    digest = xxhash.xxh3_128()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def new_run_id() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(4)}"


def ledger_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """What rows.parquet holds of `frame`: every column but TEXT_COLUMNS."""
    return frame.drop([name for name in TEXT_COLUMNS if name in frame.columns])


def _carried(name: str) -> bool:
    """Entries of the old run folder that are carried into the new one: not an older run's files or report."""
    return name not in RUN_FILES and name not in STAGE_FILES and name != REPORT and not name.startswith(".")


def write_run_folder(
    run_dir: Path,
    frame: pl.DataFrame,
    quarantine: pl.DataFrame,
    stats: dict[str, Any],
    rules: RuleFile,
    tables: Mapping[str, pl.DataFrame] | None = None,
) -> dict[str, Any]:
    """Write the run folder whole (see the module doc), with the `tables` the stages handed over (file name
    in STAGE_FILES → table); returns the `run` entry written into stats.json."""
    tables = dict(tables or {})
    unknown = sorted(set(tables) - set(STAGE_FILES))
    if unknown:
        raise ValueError(
            f"not a file a stage may add to a run folder: {', '.join(unknown)} (see STAGE_FILES)"
        )
    run_id = new_run_id()
    with atomic_folder(run_dir, carry=_carried) as staging:
        write_parquet(staging / KEPT, kept(frame), compression_level=LEDGER_ZSTD)
        kept_xxh3 = file_xxh3(staging / KEPT)
        ids = {RUN_ID_KEY: run_id, KEPT_KEY: kept_xxh3}
        # side by side: each file is encoded by one thread (Polars writes without the GIL); leaving the pool
        # waits for both, so a failing write never leaves the other one writing into a removed staging folder
        with ThreadPoolExecutor(max_workers=2) as pool:
            writes = [
                pool.submit(
                    write_parquet,
                    staging / ROWS,
                    ledger_columns(frame),
                    metadata=ids,
                    compression_level=LEDGER_ZSTD,
                ),
                pool.submit(
                    write_parquet,
                    staging / DROPPED,
                    # streamed: filtering the whole frame first copied every column of the dropped rows
                    # (~0.5 CPU-s at 1M rows); its bytes need not be a function of its rows (it names its run)
                    dropped(frame.lazy()),
                    metadata=ids,
                    compression_level=LEDGER_ZSTD,
                ),
            ]
            for write in writes:
                write.result()
        with atomic_open(staging / QUARANTINE) as handle:
            if quarantine.height:
                handle.write(quarantine.write_ndjson())
        with atomic_open(staging / RULES) as handle:
            handle.write(f"# winnow run {run_id}, kept.parquet xxh3 {kept_xxh3}\n")
            handle.write(rules.resolved_yaml())
        digests = {KEPT: kept_xxh3, QUARANTINE: file_xxh3(staging / QUARANTINE)}
        for name, table in tables.items():
            write_parquet(staging / name, table)
            digests[name] = file_xxh3(staging / name)
        run = {"id": run_id, "xxh3": digests}
        write_json(staging / STATS, {"run": run, **stats})
    return run


def check_run_folder(run_dir: str | Path) -> RunFolder:
    """The run folder's identity, after checking that its files are all from one run (module doc)."""
    run_dir = Path(run_dir)
    kept_path = run_dir / KEPT
    if not kept_path.is_file():
        raise UsageError(
            f"{run_dir} is not a run folder (no {KEPT})",
            hint=f"run `winnow curate INPUT... --rules FILE -o {run_dir}` first",
        )
    kept_xxh3 = file_xxh3(kept_path)
    present = [name for name in RUN_FILES if name != KEPT and (run_dir / name).is_file()]
    if not present:
        return RunFolder(run_dir, None, kept_xxh3)
    ids = {name: _identity(run_dir / name) for name in present if name != QUARANTINE}
    run = ids.get(STATS)
    problems = [f"{name} is missing" for name in RUN_FILES if name != KEPT and name not in present]
    if run is not None and run[0] is None:
        problems.append(f"{STATS} names no run")
    elif run is not None:
        run_id, recorded = run
        for name, (other_id, other_kept) in ids.items():
            if name == STATS:
                continue
            if other_id is None:
                problems.append(f"{name} names no run")
            elif other_id != run_id:
                problems.append(f"{name} is from run {other_id}")
            elif other_kept != recorded:
                problems.append(f"{name} records another {KEPT}")
        digests = _stats_run(run_dir).get("xxh3") or {}
        for name in DIGESTED:
            if not (run_dir / name).is_file():
                continue  # a missing run file is named above; dup_pairs.parquet is optional
            actual = kept_xxh3 if name == KEPT else file_xxh3(run_dir / name)
            if name not in digests:
                problems.append(f"{name} is not from run {run_id}")
            elif digests[name] != actual:
                problems.append(f"{name} is not the one run {run_id} wrote")
    if problems:
        which = f"stats.json is from run {run[0]}; " if run is not None and run[0] is not None else ""
        raise RunFolderError(
            f"{run_dir} does not hold one curate run: {which}{'; '.join(problems)}",
            hint="a run killed while writing it (or stopped by a full disk) with a winnow that wrote file by "
            f"file, or files copied in by hand; re-run `winnow curate INPUT... --rules FILE -o {run_dir}`",
        )
    return RunFolder(run_dir, run[0] if run is not None else None, kept_xxh3)


def _stats_run(run_dir: Path) -> dict[str, Any]:
    try:
        stats = json.loads((run_dir / STATS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    run = stats.get("run") if isinstance(stats, dict) else None
    return run if isinstance(run, dict) else {}


def _identity(path: Path) -> tuple[str | None, str | None]:
    """(run id, kept.parquet digest) that a file records; (None, None) when it records none or is unreadable."""
    if path.name == STATS:
        run = _stats_run(path.parent)
        digests = run.get("xxh3")
        return run.get("id"), digests.get(KEPT) if isinstance(digests, dict) else None
    if path.name == RULES:
        try:
            with path.open(encoding="utf-8") as handle:
                match = _YAML_LINE.fullmatch(handle.readline())
        except (OSError, ValueError):
            return None, None
        return (match[1], match[2]) if match else (None, None)
    try:
        metadata = pl.read_parquet_metadata(path)
    except (pl.exceptions.PolarsError, OSError):
        return None, None
    return metadata.get(RUN_ID_KEY), metadata.get(KEPT_KEY)
