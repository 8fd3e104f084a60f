"""Degenerate inputs still give a truthful report: no rows, no rules, an empty corpus."""

from __future__ import annotations

from pathlib import Path

from reports_runfolder import build_run, ints, sft

from winnow.curation.record import frame_from_rows
from winnow.reports import write_run_report
from winnow.reports.profile import Corpus, build_profile_page


def test_run_with_only_quarantined_lines(tmp_path: Path) -> None:
    cells = ints(write_run_report(build_run(tmp_path / "run", [], quarantined=3)).read_text(encoding="utf-8"))
    assert cells["funnel.rows_read"] == 3
    assert cells["funnel.accepted"] == 0
    assert cells["funnel.kept"] == 0
    assert cells["rules.total"] == 3


def test_run_without_rules(tmp_path: Path) -> None:
    run = build_run(tmp_path / "run", [sft("a", "x", "y")], rules=[])
    html_text = write_run_report(run).read_text(encoding="utf-8")
    assert ints(html_text)["funnel.kept"] == 1
    assert "The rule file has no checks." in html_text
    assert "No rule failed any row" in html_text


def test_profile_of_an_empty_corpus() -> None:
    page, facts = build_profile_page(Corpus(records=frame_from_rows([]), rows_read=0))
    html_text = page.render()
    assert facts["rows accepted"] == 0
    assert ints(html_text)["profile.rows_read"] == 0
    assert "Fewer than two rows" in html_text
