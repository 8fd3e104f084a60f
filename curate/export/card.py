"""The dataset card (README.md) written with every export: the Hub's YAML header and what made the files.

    write_card(out / "README.md", result, kept_frame, run_dir)

The YAML header is what the Hugging Face Hub reads: `configs` (one `default` config whose `data_files` name
each split's file, so `load_dataset(<folder>)` gives train / validation / test), `dataset_info.splits`
(row counts), `language` (ISO codes measured by the language stage, when it ran), `task_categories`,
`size_categories` and `tags`. The body says what a person needs to trust the files: rows per split, the
language and task mix, the rule file and winnow version that made them, and every reason rows were
dropped (by curate, with the run's counts, and by the export, for rows the format cannot hold).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import yaml

from winnow.curation import __version__
from winnow.curation.atomic import atomic_open
from winnow.curation.run_folder import RULES, STATS

if TYPE_CHECKING:
    from winnow.curation.export.run import ExportResult

CARD = "README.md"
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


def size_category(rows: int) -> str:
    for limit, name in _SIZES:
        if rows < limit:
            return name
    return "1M<n<10M" if rows < 10_000_000 else "n>10M"


def languages(frame: pl.DataFrame) -> Counter[str]:
    """Rows per language code, from the language stage's `lang.<field>` column (instruction first)."""
    columns = sorted(c for c in frame.columns if c.startswith("lang."))
    if not columns:
        return Counter()
    column = "lang.instruction" if "lang.instruction" in columns else columns[0]
    counts = frame.get_column(column).cast(pl.String).drop_nulls().value_counts()
    return Counter({str(code): int(n) for code, n in counts.iter_rows() if code and code != "und"})


def _run_facts(run_dir: Path) -> dict[str, Any]:
    stats_path = run_dir / STATS
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.is_file() else {}
    rules_path = run_dir / RULES
    first = rules_path.read_text(encoding="utf-8").split("\n", 1)[0] if rules_path.is_file() else ""
    return {
        "rule_file": stats.get("rule_file"),
        "resolved": RULES if rules_path.is_file() else None,
        "run_line": first.lstrip("# ").strip(),
        "inputs": stats.get("inputs") or [],
        "rows_read": stats.get("rows_read"),
        "quarantined": stats.get("quarantined"),
        "kept": stats.get("kept"),
        "by_reason": stats.get("by_reason") or {},
    }


def header(result: ExportResult, langs: Counter[str], name: str) -> dict[str, Any]:
    written = [s for s in result.splits if s.report.rows_written]
    total = sum(s.report.rows_written for s in written)
    meta: dict[str, Any] = {"pretty_name": name}
    if langs:
        meta["language"] = sorted(langs)
    meta["task_categories"] = ["text-generation"]
    meta["size_categories"] = [size_category(total)]
    meta["tags"] = ["winnow", result.format]
    meta["configs"] = [
        {
            "config_name": "default",
            "data_files": [{"split": s.split, "path": s.path.name} for s in written],
        }
    ]
    meta["dataset_info"] = {
        "config_name": "default",
        "splits": [
            {"name": s.split, "num_bytes": s.path.stat().st_size, "num_examples": s.report.rows_written}
            for s in written
        ],
    }
    return meta


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def render_card(result: ExportResult, frame: pl.DataFrame, run_dir: Path, name: str = "winnow") -> str:
    langs = languages(frame)
    facts = _run_facts(run_dir)
    lines = ["---", yaml.safe_dump(header(result, langs, name), sort_keys=False, allow_unicode=True).rstrip()]
    lines += ["---", "", f"# {name}", ""]
    lines.append(
        f"Curated and exported by winnow {__version__} as `{result.format}` ({result.file_format}); every "
        "file was read back and compared with the curated rows before this folder was written."
    )
    lines += ["", "## Splits", ""]
    lines += _table(
        ["split", "file", "curated rows", "rows written", "not writable as " + result.format],
        [
            [
                s.split,
                f"`{s.path.name}`",
                f"{s.rows:,}",
                f"{s.report.rows_written:,}",
                f"{s.report.rows_dropped:,}",
            ]
            for s in result.splits
        ],
    )
    if any(s.copies != s.rows for s in result.splits):
        lines += ["", "Train rows are repeated as the rule file's mix asked (rows written count each copy)."]
    lines += ["", "## Languages", ""]
    if langs:
        total = sum(langs.values())
        lines += _table(
            ["language", "rows", "share"], [[c, f"{n:,}", f"{n / total:.1%}"] for c, n in langs.most_common()]
        )
    else:
        lines.append("Not measured: the rule file that made this run has no language stage.")
    lines += ["", "## Task mix", ""]
    if result.tasks:
        splits = list(result.tasks)
        tasks = sorted({t for counts in result.tasks.values() for t in counts})
        lines += _table(
            ["task", *splits], [[t, *(f"{result.tasks[s].get(t, 0):,}" for s in splits)] for t in tasks]
        )
    else:
        lines.append("No task labels in this run.")
    lines += ["", "## How it was made", ""]
    lines.append(f"- winnow version: {__version__}")
    lines.append(f"- rule file: `{facts['rule_file'] or 'built-in defaults'}`")
    if facts["resolved"]:
        lines.append(f"- resolved rules: `{facts['resolved']}` in the run folder ({facts['run_line']})")
    for source in facts["inputs"]:
        lines.append(f"- input: `{source}`")
    lines += ["", "## What was dropped and why", ""]
    if facts["rows_read"] is not None:
        lines.append(
            f"curate read {facts['rows_read']:,} rows: kept {facts['kept']:,}, dropped "
            f"{sum(facts['by_reason'].values()):,}, quarantined (unreadable) {facts['quarantined']:,}."
        )
        lines.append("")
        if facts["by_reason"]:
            lines += _table(
                ["dropped by curate", "rows"], [[f"`{r}`", f"{n:,}"] for r, n in facts["by_reason"].items()]
            )
            lines.append("")
    export_drops: Counter[str] = Counter()
    for s in result.splits:
        export_drops.update(s.report.dropped)
    if export_drops:
        lines += _table(
            [f"not writable as {result.format}", "rows"],
            [[r, f"{n:,}"] for r, n in export_drops.most_common()],
        )
    else:
        lines.append(f"Every kept row was written as {result.format}.")
    for note in result.notes:
        lines.append(f"- note: {note}")
    lines += ["", "## Load it", "", "```python", "from datasets import load_dataset", ""]
    lines.append('dataset = load_dataset("path/to/this/folder")  # splits from the header\'s configs')
    lines.append("```")
    if result.dataset_info is not None:
        lines += [
            "",
            "LLaMA-Factory: `dataset_info.json` registers each split (`dataset_dir` = this folder).",
        ]
    return "\n".join(lines) + "\n"


def write_card(
    path: Path, result: ExportResult, frame: pl.DataFrame, run_dir: Path, name: str = "winnow"
) -> None:
    with atomic_open(path) as handle:
        handle.write(render_card(result, frame, run_dir, name))
