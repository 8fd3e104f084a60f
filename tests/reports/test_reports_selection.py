"""The report's selection section: what `select` chose, why the rest was not chosen, and the budget curve."""

from __future__ import annotations

from pathlib import Path

import winnow
from winnow.reports.run_report import write_run_report
from winnow.reports.views.selection import render_selection

ROWS = [{"instruction": f"Question number {i}?", "output": f"Answer {i} is here."} for i in range(6)]


def test_the_section_names_the_budget_the_reasons_the_curve_and_the_rows() -> None:
    curated = winnow.curate(ROWS, rules={"select": {"budget": 3, "by": "line"}})
    html = render_selection(curated.stats, curated.frame)
    for stat, value in [("select_budget", 3), ("select_candidates", 6), ("select_chosen", 3)]:
        assert f'data-stat="{stat}" data-value="{value}"' in html
    assert 'data-stat="not_chosen:over_budget" data-value="3"' in html
    # highest line first: 5, 4, 3 chosen; the curve is the line of the last row chosen at each share
    assert 'data-stat="curve:10%" data-value="5.0"' in html
    assert 'data-stat="curve:100%" data-value="3.0"' in html
    chosen = html.split("<h3>Chosen first</h3>")[1].split("<h3>")[0]
    assert [f"Question number {i}?" in chosen for i in (5, 4, 3, 2)] == [True, True, True, False]
    left_out = html.split("<h3>Not chosen (a few of each reason)</h3>")[1]
    assert "over_budget" in left_out
    assert "Question number 0?" in left_out


def test_a_run_without_select_says_every_kept_row_is_used() -> None:
    curated = winnow.curate(ROWS, rules={})
    assert "No <code>select</code> section" in render_selection(curated.stats, curated.frame)


def test_corpus_text_in_the_section_is_escaped() -> None:
    rows = [{"instruction": "<script>alert(1)</script> please", "output": "A fine answer here."}, *ROWS[:2]]
    curated = winnow.curate(rows, rules={"select": {"budget": 1, "by": "line", "order": "asc"}})
    html = render_selection(curated.stats, curated.frame)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_the_run_report_shows_the_selection_only_when_select_ran(tmp_path: Path) -> None:
    selected = winnow.curate(ROWS, rules={"select": {"budget": 3, "by": "line"}}, run_dir=tmp_path / "sel")
    plain = winnow.curate(ROWS, rules={}, run_dir=tmp_path / "plain")
    with_select = write_run_report(selected.run_dir).read_text(encoding="utf-8")  # type: ignore[arg-type]
    without = write_run_report(plain.run_dir).read_text(encoding="utf-8")  # type: ignore[arg-type]
    assert '<section id="selection"><h2>Selection</h2>' in with_select
    assert 'data-stat="select_chosen" data-value="3"' in with_select
    assert 'id="selection"' not in without
