"""Inline SVG charts, hand-written: histogram with a threshold line, horizontal bars and a funnel.

No chart library and no script: each function returns one `<svg>` string whose labels go through
`winnow.reports.html.svg_text` (escaped, bidi controls shown as [U+XXXX]), so corpus-derived labels (languages, tasks, sources) are escaped like everything else.
Each bar carries a `<title>` so a browser shows the exact count on hover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from winnow.reports.html import fmt_number
from winnow.reports.html import svg_text as text

BAR = "#54aeff"
BAR_FAIL = "#ff8182"
LINE = "#cf222e"


@dataclass(frozen=True)
class Histogram:
    """Binned values: `edges` has one more entry than `counts`."""

    edges: list[float]
    counts: list[int]
    nulls: int = 0
    clipped_low: int = 0  # values below edges[0] (folded into the first bin)
    clipped_high: int = 0  # values above edges[-1] (folded into the last bin)
    # Whole-number values (a count such as mojibake markers per row): bins hold whole numbers [a, b) and the
    # axis is labelled by the values themselves, never a 0..1 ratio axis with one bar at 0.
    discrete: bool = False


def histogram_svg(
    hist: Histogram,
    *,
    threshold: float | None = None,
    direction: str | None = None,
    width: int = 560,
    height: int = 170,
    x_label: str = "",
) -> str:
    """Bars per bin; bins on the failing side of the threshold are red, the threshold a dashed line."""
    if not hist.counts:
        return '<p class="na">no values to plot</p>'
    left, right, top, bottom = 44, 10, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    lo, hi = hist.edges[0], hist.edges[-1]
    span = (hi - lo) or 1.0
    peak = max(hist.counts) or 1

    def x_of(value: float) -> float:
        return left + (value - lo) / span * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#8c959f"/>',
    ]
    for i, count in enumerate(hist.counts):
        a, b = hist.edges[i], hist.edges[i + 1]
        failing = threshold is not None and _bin_fails(a, b, threshold, direction, hist.discrete)
        # a bin of a few rows beside one of thousands still shows (the few are often the point: mojibake)
        bar_h = max(count / peak * plot_h, 1.5) if count else 0.0
        x0, x1 = x_of(a), x_of(b)
        what = f"{fmt_number(a)}" if hist.discrete and b - a == 1 else f"[{fmt_number(a)}, {fmt_number(b)})"
        parts.append(
            f'<rect x="{x0:.1f}" y="{top + plot_h - bar_h:.1f}" width="{max(x1 - x0 - 1, 0.5):.1f}" '
            f'height="{bar_h:.1f}" fill="{BAR_FAIL if failing else BAR}">'
            f"<title>{what}: {count:,} rows</title></rect>"
        )
    parts.append(f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">{peak:,}</text>')
    parts.append(f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>')
    if hist.discrete:
        # whole numbers: each end label sits under its own bin and names the value it holds
        first, last = hist.edges[0], hist.edges[-1] - 1
        step = hist.edges[1] - hist.edges[0]
        parts.append(
            f'<text x="{x_of(first + step / 2):.1f}" y="{height - 18}" text-anchor="middle">'
            f"{text(fmt_number(first))}</text>"
            f'<text x="{x_of(last + 1 - step / 2):.1f}" y="{height - 18}" text-anchor="middle">'
            f"{text(fmt_number(last))}</text>"
        )
    else:
        parts.append(f'<text x="{left}" y="{height - 18}">{text(fmt_number(lo))}</text>')
        parts.append(
            f'<text x="{left + plot_w}" y="{height - 18}" text-anchor="end">{text(fmt_number(hi))}</text>'
        )
    if x_label:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle">{text(x_label)}</text>'
        )
    if threshold is not None and lo <= threshold <= hi:
        tx = x_of(_threshold_at(threshold, direction) if hist.discrete else threshold)
        # the label reads away from the nearer edge, so it is never cut off by the svg's right side
        anchor, label_x = ("end", tx - 3) if tx > left + plot_w / 2 else ("start", tx + 3)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{top + plot_h}" stroke="{LINE}" '
            f'stroke-width="2" stroke-dasharray="5,3"/>'
            f'<text x="{label_x:.1f}" y="{top + 6}" text-anchor="{anchor}" fill="{LINE}">'
            f"threshold {text(fmt_number(threshold))}</text>"
        )
    elif threshold is not None:
        parts.append(
            f'<text x="{left + plot_w}" y="{top + 6}" text-anchor="end" fill="{LINE}">'
            f"threshold {text(fmt_number(threshold))} outside the plotted range</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _bin_fails(a: float, b: float, threshold: float, direction: str | None, discrete: bool) -> bool:
    """A bin is drawn red when its values fail: whole-number bins [a, b) hold a .. b-1, others their middle."""
    if discrete:
        return (direction == "max" and a > threshold) or (direction == "min" and b - 1 < threshold)
    mid = (a + b) / 2
    return (direction == "max" and mid > threshold) or (direction == "min" and mid < threshold)


def _threshold_at(threshold: float, direction: str | None) -> float:
    """Where the threshold line goes on a whole-number axis: between the last passing and first failing bin."""
    return math.floor(threshold) + 1 if direction == "max" else math.ceil(threshold)


def hbar_svg(items: Sequence[tuple[str, int]], *, width: int = 460, bar_h: int = 16, color: str = BAR) -> str:
    """Horizontal bars, one per (label, value), largest scale = widest bar."""
    if not items:
        return '<p class="na">nothing to plot</p>'
    label_w, value_w = 150, 70
    plot_w = width - label_w - value_w
    peak = max(v for _, v in items) or 1
    height = len(items) * (bar_h + 4) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (label, value) in enumerate(items):
        y = 4 + i * (bar_h + 4)
        w = value / peak * plot_w
        shown = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end">{text(shown)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h}" fill="{color}">'
            f"<title>{text(label)}: {value:,}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}">{value:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def funnel_svg(steps: Sequence[tuple[str, int]], *, width: int = 640, step_h: int = 26) -> str:
    """Centered bars shrinking from rows read to rows kept; each step labelled with its count."""
    if not steps:
        return ""
    top_value = max(v for _, v in steps) or 1
    label_w = 190
    plot_w = width - label_w - 10
    height = len(steps) * (step_h + 6) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (label, value) in enumerate(steps):
        y = 4 + i * (step_h + 6)
        w = value / top_value * plot_w
        x = label_w + (plot_w - w) / 2
        parts.append(
            f'<text x="{label_w - 8}" y="{y + step_h - 9}" text-anchor="end">{text(label)}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{step_h}" rx="3" fill="{BAR}">'
            f"<title>{text(label)}: {value:,}</title></rect>"
            f'<text x="{label_w + plot_w / 2:.1f}" y="{y + step_h - 9}" text-anchor="middle">{value:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def heat(value: int, peak: int) -> str:
    """Inline background colour for a matrix cell: white at 0, deeper blue toward `peak`."""
    if peak <= 0 or value <= 0:
        return "background:#ffffff"
    share = value / peak
    light = int(96 - share * 46)  # 96% lightness → 50%
    return f"background:hsl(212,90%,{light}%)" + (";color:#fff" if share > 0.6 else "")
