"""export_run: a run folder's kept rows → one file per split in a chosen format, registered and verified.

    from winnow.curation.export.run import export_run
    result = export_run("runs/a", "out/a", format="sharegpt")   # raises ExportError when a check fails

What it writes into the output folder:
    train.<ext>, validation.<ext>, test.<ext>   each split present, named as on the Hugging Face Hub (the
                                          run's `val` rows are `validation`; no `split` column: all train)
    dataset_info.json                     LLaMA-Factory registry of those files (when the format is loadable)
    hf/                                   optional `DatasetDict.save_to_disk` folder, one split per file
    README.md                             the dataset card: Hub YAML header (configs, splits) and what made it
    export.json                           what was written, dropped, repeated and verified
Every file has one schema across its rows (winnow.curation.formats.schema), the shape datasets and LLaMA-Factory read.
Train rows are repeated `repeats` times (the mix stage's upsampling); val and test rows appear once, so
evaluation is not skewed. Copies are interleaved (every row once, then the rows with a second copy, ...)
so that a reader that does not shuffle still sees the mix. Every file is read back and compared with the
canonical rows before the result is returned (see winnow.curation.export.verify).

The folder appears whole or not at all: everything is written into a staging folder next to OUTDIR, which
replaces OUTDIR only once every check passed (winnow.curation.atomic.atomic_folder), so a failed or killed export
leaves OUTDIR as it was. The run folder is checked first (winnow.curation.run_folder.check_run_folder): a folder
whose files are not all from one curate run is refused. An existing OUTDIR is replaced only when it holds
nothing but what an export writes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.atomic import atomic_folder, write_json
from winnow.curation.errors import UsageError, WinnowError
from winnow.curation.export.card import CARD, write_card
from winnow.curation.export.consumers import CONSUMERS, DEFAULT_CONSUMER
from winnow.curation.export.llama_factory import OPENAI_TOOL_CALLS_WARNING, dataset_info_entry
from winnow.curation.export.verify import Verification, content_keys, verify_file, verify_rows
from winnow.curation.formats.registry import get_format
from winnow.curation.io.read import read_corpus
from winnow.curation.io.write import FILE_FORMATS, WriteReport, write_records
from winnow.curation.run_folder import KEPT, check_run_folder

SPLITS = ("train", "val", "test")  # split values in kept.parquet (winnow.curation.split)
# the Hub's split names, used for files, `--hf` splits and registry names; "validation" in kept.parquet is
# accepted too
HUB_SPLITS = {"train": "train", "val": "validation", "validation": "validation", "test": "test"}
# Formats with a field for the task label (Dolly `category`, self-instruct `task`). Others get no task:
# it is a curation label, not training content, and some writers refuse a row with a field they cannot hold.
TASK_FORMATS = ("dolly", "self_instruct")
# What an export writes into OUTDIR (an existing OUTDIR holding anything else is not replaced)
WRITTEN = {f"{split}.{ext}" for split in HUB_SPLITS for ext in FILE_FORMATS} | {
    "dataset_info.json",
    "export.json",
    CARD,
    "hf",
    "hf.tmp",  # written by winnow before export folders were staged whole
}
Progress = Callable[[str, int, int], None]


class ExportError(WinnowError):
    """An exported file did not read back as the rows it was written from."""


@dataclass
class SplitExport:
    split: str
    rows: int  # canonical rows of the split
    copies: int  # rows handed to the writer (train: repeats expanded)
    path: Path
    report: WriteReport
    verification: Verification
    expected: Counter[str] = field(default_factory=Counter)  # content keys of the rows handed to the writer


@dataclass
class ExportResult:
    out_dir: Path
    format: str
    file_format: str
    consumer: str = (
        DEFAULT_CONSUMER  # the trainer the files are shaped for (winnow.curation.export.consumers)
    )
    splits: list[SplitExport] = field(default_factory=list)
    dataset_info: Path | None = None
    not_registered: str | None = None
    hf_dir: Path | None = None
    hf_checks: list[Verification] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. rows LLaMA-Factory's loader would not read
    tasks: dict[str, dict[str, int]] = field(default_factory=dict)  # split -> task -> rows (before repeats)

    @property
    def problems(self) -> list[str]:
        checks = [s.verification for s in self.splits] + self.hf_checks
        return [p for check in checks for p in check.problems]


def expand_repeats(frame: pl.DataFrame) -> pl.DataFrame:
    """Each row `repeats` times (at least once), interleaved by copy number, original order within a copy."""
    if "repeats" not in frame.columns:
        return frame
    copies = pl.int_ranges(pl.col("repeats").fill_null(1).clip(lower_bound=1)).alias("__copy")
    return (
        frame.with_row_index("__row")
        .with_columns(copies)
        .explode("__copy")
        .sort(["__copy", "__row"])
        .drop("__row", "__copy")
    )


def load_kept(run_dir: Path) -> pl.DataFrame:
    """The kept rows of a run folder, once its files are checked to be from one run."""
    check_run_folder(run_dir)
    frame = pl.read_parquet(run_dir / KEPT, glob=False)
    if "drop_reason" in frame.columns:
        frame = frame.filter(pl.col("drop_reason").is_null())
    return frame


def split_frames(frame: pl.DataFrame, notes: list[str]) -> list[tuple[str, pl.DataFrame]]:
    if "split" not in frame.columns or frame["split"].null_count() == frame.height:
        notes.append("no split column: every kept row is exported as train")
        return [("train", frame)]
    unknown = sorted(set(frame["split"].drop_nulls().unique().to_list()) - set(HUB_SPLITS))
    if unknown:
        raise WinnowError(f"kept.parquet has rows in unknown splits {unknown}", hint="re-run winnow curate")
    unsplit = frame["split"].null_count()
    if unsplit:
        notes.append(f"{unsplit} kept rows have no split and are exported as train")
    hub = pl.col("split").cast(pl.String).replace_strict(HUB_SPLITS, default=None)
    names = dict.fromkeys(HUB_SPLITS.values())
    parts = [(name, frame.filter(hub == name)) for name in names]
    if unsplit:
        parts[0] = ("train", pl.concat([parts[0][1], frame.filter(pl.col("split").is_null())]))
    return [(name, part) for name, part in parts if part.height]


def _written_shape(path: Path, file_format: str) -> tuple[set[str], bool]:
    """Keys holding a value (not null, not "") in some row of a written file (for the registry's column
    list), and whether some row holds OpenAI `tool_calls`."""
    text = path.read_text(encoding="utf-8")
    rows = (
        json.loads(text)
        if file_format == "json"
        # JSON Lines ends a line at "\n" only: str.splitlines would also cut at U+2028, U+0085, ... which
        # json.dumps(ensure_ascii=False) leaves unescaped inside strings
        else [json.loads(line) for line in text.split("\n") if line]
    )
    keys: set[str] = set()
    tool_calls = False
    for row in rows:
        if isinstance(row, dict):
            keys.update(k for k, v in row.items() if v is not None and v != "")
            messages = row.get("messages")
            if isinstance(messages, list):
                tool_calls = tool_calls or any(isinstance(m, dict) and m.get("tool_calls") for m in messages)
    return keys, tool_calls


def export_run(
    run_dir: str | Path,
    out_dir: str | Path,
    *,
    format: str,
    file_format: str = "jsonl",
    hf: bool = False,
    name: str = "winnow",
    consumer: str = DEFAULT_CONSUMER,
    progress: Progress | None = None,
) -> ExportResult:
    get_format(format)  # unknown names fail before anything is written
    if file_format not in FILE_FORMATS:
        raise UsageError(f"unknown file format {file_format!r}", hint="use jsonl or json")
    if consumer not in CONSUMERS:
        raise UsageError(f"unknown consumer {consumer!r}", hint=f"use one of: {', '.join(CONSUMERS)}")
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    frame = load_kept(run_dir)
    result = ExportResult(out_dir=out_dir, format=format, file_format=file_format, consumer=consumer)
    parts = split_frames(frame, result.notes)
    if "task" in frame.columns:
        for split, part in parts:
            counts = part.group_by("task").len().sort("task", nulls_last=True)
            result.tasks[split] = {str(task): int(n) for task, n in counts.iter_rows()}
    if "task" in frame.columns and format not in TASK_FORMATS:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("task"))
        parts = [(split, part.with_columns(pl.lit(None, pl.String).alias("task"))) for split, part in parts]
        result.notes.append(f"task labels not written: {format} has no task field")
    _check_out_dir(out_dir)
    with atomic_folder(out_dir) as work:
        registry = _write_splits(result, parts, work, name, progress)
        written = sum(s.report.rows_written for s in result.splits)
        if registry and consumer != DEFAULT_CONSUMER:
            # LLaMA-Factory reads rows shaped for it only (a null `tools` breaks its converter)
            result.not_registered = (
                f"shaped for {consumer}: LLaMA-Factory reads the export made without --for"
            )
            result.notes.append(f"no dataset_info.json: {result.not_registered}")
            registry = {}
        if registry:
            result.dataset_info = work / "dataset_info.json"
            write_json(result.dataset_info, registry)
            result.warnings.extend(check_registry(result.dataset_info, list(registry), result.splits))
        if hf and written:
            from winnow.curation.export.hf import save_hf

            result.hf_dir, result.hf_checks = save_hf(result.splits, work / "hf", format, file_format)
        # a failed export raises here, inside the staging folder: OUTDIR is left as it was
        if not written:
            reasons = sorted({r for s in result.splits for r in s.report.dropped})
            raise ExportError(
                f"no kept row can be written as {format} ({frame.height} kept rows): {'; '.join(reasons)}",
                hint=f"pick a format that holds these rows' kind; {out_dir} is left as it was",
            )
        if result.problems:
            raise ExportError(
                "exported files do not match the canonical rows:\n"
                + "\n".join(f"  - {p.replace(str(work), str(out_dir))}" for p in result.problems),
                hint=f"nothing was written: {out_dir} is left as it was",
            )
        write_card(work / CARD, result, frame, run_dir, name)
        _relocate(result, work, out_dir)  # the paths the files have once the folder is swapped in
        write_json(work / "export.json", summary(result, run_dir))
    return result


def _write_splits(
    result: ExportResult,
    parts: list[tuple[str, pl.DataFrame]],
    work: Path,
    name: str,
    progress: Progress | None,
) -> dict[str, Any]:
    """Write and read back one file per split into `work`; the LLaMA-Factory registry entries."""
    format, file_format = result.format, result.file_format
    registry: dict[str, Any] = {}
    for index, (split, part) in enumerate(parts):
        rows = expand_repeats(part) if split == "train" else part
        if split == "train" and rows.height != part.height:
            result.notes.append(
                f"train: {part.height} rows written as {rows.height} copies (mix repeats expanded)"
            )
        path = work / f"{split}.{file_format}"
        if progress:
            progress(f"writing {path.name}", index, len(parts))
        report = write_records(rows, path, format=format, file_format=file_format, consumer=result.consumer)
        expected = content_keys(rows)
        if report.rows_written:
            check = verify_file(expected, path, format, report)
        else:  # nothing to read back: the reader rightly calls an empty file an error
            check = verify_rows(expected, iter(()), report, str(path))
            result.notes.append(
                f"{split}: no row can be written as {format}; {path.name} is empty and not registered"
            )
        result.splits.append(SplitExport(split, part.height, rows.height, path, report, check, expected))
        keys, tool_calls = _written_shape(path, file_format)
        entry, why = dataset_info_entry(format, path.name, keys, tool_calls=tool_calls)
        if not report.rows_written:
            continue
        if entry is not None and entry["formatting"] == "openai":
            result.warnings.append(f"{path.name}: {OPENAI_TOOL_CALLS_WARNING}")
        if entry is None:
            result.not_registered = why
        else:
            registry[f"{name}_{split}"] = entry
    return registry


def _check_out_dir(out_dir: Path) -> None:
    """OUTDIR is replaced whole: refuse one that holds anything an export does not write."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} exists and is not a folder", hint="pick another -o folder")
    foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in WRITTEN) if out_dir.is_dir() else []
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise UsageError(
            f"{out_dir} holds files a winnow export does not write ({shown}); refusing to replace it",
            hint="an export replaces its whole folder: pick a new -o folder or empty this one yourself",
        )


def _relocate(result: ExportResult, work: Path, out_dir: Path) -> None:
    for split in result.splits:
        split.path = out_dir / split.path.relative_to(work)
        split.verification.path = str(split.path)
    for check in result.hf_checks:
        check.path = check.path.replace(str(work), str(out_dir))
    if result.dataset_info is not None:
        result.dataset_info = out_dir / result.dataset_info.relative_to(work)
    if result.hf_dir is not None:
        result.hf_dir = out_dir / result.hf_dir.relative_to(work)


def check_registry(info: Path, names: list[str], splits: list[SplitExport]) -> list[str]:
    """Read each registered dataset the way LLaMA-Factory's registry describes it (winnow.curation.io reads
    `dataset_info.json:name` with LLaMA-Factory's column and tag semantics) and compare with the file."""
    warnings: list[str] = []
    by_file = {s.path.name: s for s in splits}
    registry = json.loads(info.read_text(encoding="utf-8"))
    for name in names:
        split = by_file[registry[name]["file_name"]]
        back = read_corpus([f"{info}:{name}"])
        remaining = Counter(split.expected)
        unmatched = 0
        for key in content_keys(back.records).elements():
            if remaining[key] > 0:
                remaining[key] -= 1
            else:
                unmatched += 1
        if back.quarantine.height or unmatched:
            first = back.quarantine.row(0, named=True)["error"] if back.quarantine.height else ""
            warnings.append(
                f"{name}: through dataset_info.json {back.quarantine.height} rows are unreadable and {unmatched} "
                f"differ (LLaMA-Factory would not load them as written){': ' + first if first else ''}"
            )
    return warnings


def summary(result: ExportResult, run_dir: Path) -> dict[str, Any]:
    return {
        "run_dir": str(run_dir),
        "format": result.format,
        "file_format": result.file_format,
        "consumer": result.consumer,
        "splits": {
            s.split: {
                "file": s.path.name,
                "rows": s.rows,
                "copies": s.copies,
                "written": s.report.rows_written,
                "dropped": s.report.dropped,
                "lost_fields": s.report.lost_fields,
                "notes": s.report.notes,
                "verification": {
                    k: v for k, v in asdict(s.verification).items() if k not in ("path", "expected")
                },
            }
            for s in result.splits
        },
        "dataset_info": result.dataset_info.name if result.dataset_info else None,
        "not_registered": result.not_registered,
        "hf": str(result.hf_dir) if result.hf_dir else None,
        "tasks": result.tasks,
        "notes": result.notes,
        "warnings": result.warnings,
        "ok": not result.problems,
    }
