"""The terminal summary `winnow curate`, `winnow report` and `winnow run` print: every reason, most first."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from winnow.reports.summary import print_run_summary


def _printed(stats: dict[str, object], report: Path | None) -> list[str]:
    console = Console(record=True, width=400, color_system=None)
    print_run_summary(stats, report, console)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_every_reason_is_listed_most_first_with_shares_of_rows_read() -> None:
    reasons = {f"rule_{i:02d}": 1 for i in range(12)} | {"near_duplicate": 30, "min_length": 5}
    stats = {"rows_read": 100, "quarantined": 2, "kept": 48, "dropped": 50, "by_reason": reasons}
    lines = _printed(stats, None)
    cells = [[cell.strip() for cell in line.split("│") if cell.strip()] for line in lines if "│" in line]
    assert cells[0] == ["read", "100", "100.0%"]
    assert cells[1] == ["quarantined", "2", "2.0%"]
    assert cells[2] == ["kept", "48", "48.0%"]
    assert cells[3] == ["dropped", "50", "50.0%"]
    assert cells[4] == ["dropped: near_duplicate", "30", "30.0%"]
    assert cells[5] == ["dropped: min_length", "5", "5.0%"]
    assert [row[0] for row in cells[6:]] == [f"dropped: rule_{i:02d}" for i in range(12)]


def test_the_report_path_is_printed_and_an_empty_run_has_no_shares(tmp_path: Path) -> None:
    stats = {"rows_read": 0, "quarantined": 0, "kept": 0, "dropped": 0, "by_reason": {}}
    lines = _printed(stats, tmp_path / "report.html")
    assert any("read" in line and "–" in line for line in lines)
    assert lines[-1] == f"report: {tmp_path / 'report.html'}"
