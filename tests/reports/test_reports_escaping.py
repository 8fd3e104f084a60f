"""Every corpus string renders as text: script tags, event handlers, broken tags, bidi overrides, 100 KB lines."""

from __future__ import annotations

from pathlib import Path

from reports_hostile import build_hostile_run

from winnow.reports import write_run_report
from winnow.reports.charts import hbar_svg
from winnow.reports.html import BIDI_CONTROLS, clip, text


def test_text_escapes_markup_and_quotes() -> None:
    assert text("<b onclick='x'>\"&") == "&lt;b onclick=&#x27;x&#x27;&gt;&quot;&amp;"


def test_bidi_controls_become_visible_tokens() -> None:
    rendered = text("a\u202eb\u2066c")
    assert "\u202e" not in rendered
    assert "\u2066" not in rendered
    assert "[U+202E]" in rendered
    assert "[U+2066]" in rendered


def test_clip_truncates_with_a_note_and_keeps_the_span() -> None:
    value = "x" * 5000 + "BAD" + "y" * 5000
    rendered = clip(value, 100, span="BAD")
    assert '<mark class="span">BAD</mark>' in rendered
    assert "[truncated: 10,003 chars" in rendered
    assert len(rendered) < 400


def test_clip_escapes_inside_the_highlight() -> None:
    rendered = clip("ok <script>x</script> ok", span="<script>")
    assert '<mark class="span">&lt;script&gt;</mark>' in rendered


def test_hostile_run_report_has_no_live_markup(tmp_path: Path) -> None:
    html_text = write_run_report(build_hostile_run(tmp_path / "run")).read_text(encoding="utf-8")
    lowered = html_text.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert "<a href='javascript" not in lowered
    assert '<a href="javascript' not in lowered
    assert "<!--" not in html_text
    assert "</textarea>" not in lowered
    assert not any(ch in html_text for ch in BIDI_CONTROLS)
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in html_text
    assert "[U+202E]" in html_text
    assert (
        '<mark class="span"><span class="bidi" title="bidi control U+202E">[U+202E]</span>evil</mark>'
        in html_text
    )
    # every 100 KB line is truncated for display: the whole report stays small
    assert "A" * 2000 not in html_text
    assert len(html_text.encode("utf-8")) < 200_000


def test_chart_labels_are_escaped_without_markup() -> None:
    svg = hbar_svg([("<b>x</b>\u202e", 3)])
    assert "<b>" not in svg
    assert "\u202e" not in svg
    assert "<span" not in svg
    assert "&lt;b&gt;x&lt;/b&gt;[U+202E]" in svg
