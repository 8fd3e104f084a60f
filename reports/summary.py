"""Terminal summaries with rich, printed at the end of `winnow curate` and `winnow profile`.

    from winnow.reports.summary import print_run_summary
    print_run_summary(stats, report_path)        # stats = the run's stats.json as a dict

They say what happened in numbers a person can check against the report, and where the report is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text


def _linked(label: str, path: Path | str) -> Text:
    """`label: path`, the path a terminal link to the file; the path is text, never markup."""
    return Text.assemble(f"{label}: ", (str(path), Style(link=Path(path).resolve().as_uri())))


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def print_run_summary(
    stats: dict[str, Any],
    report: Path | None,
    console: Console | None = None,
    *,
    title: str = "winnow curate",
) -> None:
    """Rows read / quarantined / kept / dropped, rows dropped per first reason (most first), and the
    report's path. The one summary `winnow curate`, `winnow report` and `winnow run` print."""
    console = console or Console(stderr=True)
    read = int(stats.get("rows_read") or 0)
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("", style="bold")
    table.add_column("rows", justify="right")
    table.add_column("share", justify="right")
    for label, key in (
        ("read", "rows_read"),
        ("quarantined", "quarantined"),
        ("kept", "kept"),
        ("dropped", "dropped"),
    ):
        value = int(stats.get(key) or 0)
        table.add_row(label, f"{value:,}", _share(value, read))
    by_reason = stats.get("by_reason") or {}
    for reason, n in sorted(by_reason.items(), key=lambda x: (-x[1], x[0])):
        table.add_row(Text(f"  dropped: {reason}"), f"{n:,}", _share(n, read), style="dim")
    console.print(table)
    for entry in stats.get("skipped_files") or []:  # files a named folder or glob held but were not read
        console.print(Text(f"skipped {entry['path']}: {entry['reason']}", style="yellow"))
    if report is not None:
        console.print(_linked("report", report), highlight=False)


def print_profile_summary(facts: dict[str, Any], report: Path, console: Console | None = None) -> None:
    """Rows, sources, quarantined lines and the profile's path."""
    console = console or Console(stderr=True)
    table = Table(title="winnow profile", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    for key, value in facts.items():
        table.add_row(Text(str(key)), f"{value:,}" if isinstance(value, int) else Text(str(value)))
    console.print(table)
    console.print(_linked("profile", report), highlight=False)
