"""The report's rough edges of issue 20, each pinned with the input that showed it: count metrics on a count
axis, what-if percentiles over every row, threshold labels inside the chart, the comparison naming rows by
file:line, and a CJK-capable font for every page's text and charts."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from reports_runfolder import build_run, sft

from winnow.reports import write_run_report
from winnow.reports.binning import (
    histogram,
    nearby_thresholds,
    quantile_over_all_rows,
    unmeasured_note,
    unmeasured_quantiles,
)
from winnow.reports.charts import BAR, BAR_FAIL, histogram_svg
from winnow.reports.html import CSS

# metric.mojibake on the built-in example (curate/example/data, rules/default.yaml): markers per row
MOJIBAKE = pl.Series("metric.mojibake", [0.0] * 2456 + [4.0] * 5 + [10.0] * 7)


def test_a_count_metric_gets_one_bin_per_count_not_a_0_to_1_axis() -> None:
    hist = histogram(MOJIBAKE, threshold=0.0)
    assert hist.discrete
    assert hist.edges == [float(n) for n in range(12)]  # 0 .. 10, each its own bin
    assert hist.counts == [2456, 0, 0, 0, 5, 0, 0, 0, 0, 0, 7]
    svg = histogram_svg(hist, threshold=0.0, direction="max", x_label="metric.mojibake (count per row)")
    assert f'fill="{BAR}"><title>0: 2,456 rows</title>' in svg  # 0 markers passes max_count 0
    assert f'fill="{BAR_FAIL}"><title>4: 5 rows</title>' in svg
    assert f'fill="{BAR_FAIL}"><title>10: 7 rows</title>' in svg
    assert ">0</text>" in svg
    assert ">10</text>" in svg
    assert "metric.mojibake (count per row)" in svg


def test_a_count_metric_under_a_max_threshold_still_shows_its_failing_side() -> None:
    hist = histogram(pl.Series([0.0] * 100), threshold=0.0)  # placeholder_text on a clean corpus
    assert hist.edges == [0.0, 1.0, 2.0]
    assert hist.counts == [100, 0]


def test_a_ratio_metric_keeps_its_continuous_axis() -> None:
    assert not histogram(pl.Series([0.1, 0.25, 0.3]), threshold=0.4).discrete
    assert not histogram(pl.Series([0.0, 1.0]), threshold=0.4).discrete  # whole values, fractional threshold


def test_threshold_label_near_the_right_edge_reads_leftwards() -> None:
    values = pl.Series([float(v) / 10 for v in range(1000)])
    right = histogram_svg(histogram(values, threshold=99.0), threshold=99.0, direction="max")
    assert re.search(r'text-anchor="end" fill="#cf222e">threshold 99</text>', right)
    left = histogram_svg(histogram(values, threshold=2.0), threshold=2.0, direction="max")
    assert re.search(r'text-anchor="start" fill="#cf222e">threshold 2</text>', left)


# max_char_run on the built-in example: measured on 10 of 2,468 rows (a gated kernel), the others pass
GATED = pl.Series("metric.max_char_run", [None] * 90 + [float(v) for v in range(1, 11)])


def test_what_if_percentiles_are_over_every_row() -> None:
    assert quantile_over_all_rows(GATED, 0.5, "max") is None  # among the 90 unmeasured rows
    assert quantile_over_all_rows(GATED, 0.95, "max") == 5.0  # rank 94 of 100: the 5th measured value
    assert quantile_over_all_rows(GATED, 0.99, "max") == 9.0
    # before: quantiles of the 10 measured values alone, p50 = 6 "of the corpus"
    labels = [(n.label, n.threshold, n.fails) for n in nearby_thresholds(GATED, 8.0, "max")]
    assert labels == [
        ("× 0.5", 4.0, 6),
        ("p95", 5.0, 5),
        ("× 0.8", 6.4, 4),
        ("× 0.9", 7.2, 3),
        ("current", 8.0, 2),
        ("× 1.1", 8.8, 2),
        ("p99", 9.0, 1),
        ("× 1.25", 10.0, 0),
        ("× 2", 16.0, 0),
    ]
    assert unmeasured_quantiles(GATED, "max") == ["p50", "p75", "p90"]
    assert unmeasured_note(GATED, "max") == (
        "Percentiles are over all 100 rows; p50, p75, p90 fall among the 90 rows without a value "
        "(not measured: they pass at any threshold)."
    )


def test_a_min_rules_unmeasured_rows_rank_on_the_high_side() -> None:
    values = pl.Series([0.2, 0.5, *[None] * 8])  # min_alnum_ratio: texts under min_chars are not judged
    assert quantile_over_all_rows(values, 0.5, "min") is None
    assert quantile_over_all_rows(pl.Series([0.2, 0.5, *[None] * 98]), 0.01, "min") == 0.5
    assert unmeasured_note(pl.Series([0.1, 0.2]), "min") == ""  # every row measured: nothing left out


def test_the_comparison_names_rows_by_file_and_line(tmp_path: Path) -> None:
    rows = [sft(f"r{i}", "instruction", "y" * (i * 3), source="data/zh.jsonl", line=i + 1) for i in range(6)]
    run = tmp_path / "run"
    old = build_run(tmp_path / "old", rows, rules=[("short", "response", 1.0, "min")])
    build_run(run, rows, rules=[("short", "response", 7.0, "min")])
    html = write_run_report(run, compare=old).read_text(encoding="utf-8")
    section = html[html.index("short: examples") :]
    section = section[: section.index("</details>")]
    # r1 (3 chars) and r2 (6 chars) are newly dropped: zh.jsonl:2 and zh.jsonl:3, the id on hover
    assert '<span title="id r1"><span title="data/zh.jsonl">zh.jsonl:2</span></span>' in section
    assert '<span title="id r2"><span title="data/zh.jsonl">zh.jsonl:3</span></span>' in section
    assert "<th>row</th>" in section


def test_every_page_and_chart_uses_a_cjk_capable_font_stack() -> None:
    stack = 'system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei"'
    assert f"body{{font:14px/1.45 {stack}" in CSS
    assert "svg text{font-size:11px;font-family:inherit}" in CSS  # charts' labels (rule names, languages)
    # a label's own colour (the red threshold label, a legend) is not painted over by the page's text colour
    assert "svg text:not([fill]){fill:#1f2328}" in CSS
