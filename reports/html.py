"""HTML building blocks: escaping, truncation, tables, numbers and the self-contained page.

Every string that comes from a corpus goes through `text()` (or `clip()`), which escapes it with
`html.escape(quote=True)` and makes bidirectional override characters visible instead of letting them
reorder the page. Numbers that tests compare with stats.json go through `num()`, which puts the value in
`data-stat` / `data-value` attributes so they can be read back without scraping formatted text.
The page has inline CSS only: no CDN, no script, so it opens offline and reads with JavaScript off.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

# Characters that reorder text (embeddings, overrides, isolates) plus the invisible marks: a corpus row must
# not be able to flip the rest of the page, so each is shown as a visible token.
BIDI_CONTROLS: Final = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI_RE: Final = re.compile(f"[{BIDI_CONTROLS}]")

DEFAULT_CLIP: Final = 600  # characters of a corpus string shown before "… truncated"


def _visible_bidi(match: re.Match[str]) -> str:
    code = f"U+{ord(match.group(0)):04X}"
    return f'<span class="bidi" title="bidi control {code}">[{code}]</span>'


def text(value: object) -> str:
    """Escape any value for HTML text or attribute context; bidi controls become visible tokens."""
    if value is None:
        return '<span class="null">null</span>'
    escaped = html.escape(str(value), quote=True)
    return _BIDI_RE.sub(_visible_bidi, escaped)


def svg_text(value: object) -> str:
    """Escape for SVG text and <title>: no HTML markup there, so bidi controls become plain [U+XXXX] text."""
    escaped = html.escape(str(value), quote=True)
    return _BIDI_RE.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", escaped)


def attr(value: object) -> str:
    """Escape a value for an attribute (bidi controls dropped: attributes are never displayed as text)."""
    return _BIDI_RE.sub("", html.escape(str(value), quote=True))


def clip(value: str | None, limit: int = DEFAULT_CLIP, *, span: str | None = None) -> str:
    """Escaped, truncated corpus text; `span` (when found) is highlighted and kept inside the window shown."""
    if value is None:
        return text(None)
    if value == "":
        return '<span class="null">(empty)</span>'
    start, end = 0, len(value)
    at = value.find(span) if span else -1
    if at >= 0 and span:
        # centre the window on the offending span so the highlight is never truncated away
        before = max(0, (limit - len(span)) // 2)
        start = max(0, at - before)
        end = min(len(value), max(start + limit, at + len(span)))
    else:
        end = min(len(value), limit)
    shown = value[start:end]
    if at >= 0 and span:
        local = at - start
        body = (
            text(shown[:local])
            + f'<mark class="span">{text(shown[local : local + len(span)])}</mark>'
            + text(shown[local + len(span) :])
        )
    else:
        body = text(shown)
    notes = []
    if start > 0:
        body = "…" + body
        notes.append(f"{start:,} chars before")
    if end < len(value):
        body = body + "…"
        notes.append(f"{len(value) - end:,} chars after")
    note = (
        f' <span class="trunc">[truncated: {len(value):,} chars, {", ".join(notes)}]</span>' if notes else ""
    )
    return f'<span class="corpus">{body}</span>{note}'


def where(source: str | None, line: object) -> str:
    """`file:line` for a row, the file's base name shown and the full path on hover."""
    if source is None:
        return text(line)
    return f'<span title="{attr(source)}">{text(short_name(source))}:{text(line)}</span>'


def short_name(path: object) -> str:
    """The last part of a path (inputs are shown by file name; full paths are in stats.json)."""
    return str(path).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def fmt_number(value: float | int | None, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1000):
        return f"{int(value):,}"
    return f"{value:.{digits}g}"


def num(value: float | int | None, stat: str | None = None, *, tag: str = "td", digits: int = 3) -> str:
    """A numeric cell; `stat` names it for tests (`data-stat`), `data-value` carries the exact value."""
    attrs = ' class="num"'
    if stat is not None:
        attrs += f' data-stat="{attr(stat)}" data-value="{attr("" if value is None else value)}"'
    return f"<{tag}{attrs}>{fmt_number(value, digits)}</{tag}>"


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def table(header: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "") -> str:
    """A table from pre-rendered cells: a cell starting with '<t' is used as is, anything else is wrapped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(cell if cell.startswith("<t") else f"<td>{cell}</td>" for cell in row)
        body.append(f"<tr>{cells}</tr>")
    class_attr = f' class="{cls}"' if cls else ""
    return f"<table{class_attr}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def anchor(name: str) -> str:
    """A safe id for a section or rule name."""
    return "s-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower()


@dataclass
class Section:
    """One titled part of a page; `body` is already-rendered HTML."""

    title: str
    body: str
    key: str = ""
    note: str = ""


@dataclass
class Page:
    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)

    def add(self, title: str, body: str, *, key: str = "", note: str = "") -> None:
        self.sections.append(Section(title, body, key or anchor(title), note))

    def render(self) -> str:
        nav = "".join(f'<a href="#{attr(s.key)}">{text(s.title)}</a>' for s in self.sections)
        parts = []
        for s in self.sections:
            note = f'<p class="note">{s.note}</p>' if s.note else ""
            parts.append(f'<section id="{attr(s.key)}"><h2>{text(s.title)}</h2>{note}{s.body}</section>')
        return (
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            # no network, no script: the page is data, never code
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{text(self.title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{text(self.title)}</h1><p class='sub'>{self.subtitle}</p>"
            f"<nav>{nav}</nav></header><main>{''.join(parts)}</main>"
            "<footer>winnow report · self-contained, no scripts</footer></body></html>\n"
        )


CSS: Final = """
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--accent:#0969da;
--bad:#cf222e;--good:#1a7f37;--warn:#9a6700}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;
color:var(--fg);background:var(--bg);margin:0}
header{background:var(--soft);border-bottom:1px solid var(--line);padding:12px 24px;position:sticky;top:0;z-index:2}
h1{font-size:20px;margin:0 0 2px}
.sub{margin:0 0 6px;color:var(--muted)}
nav a{margin-right:12px;color:var(--accent);text-decoration:none;font-size:13px;white-space:nowrap}
main{padding:8px 24px 40px;max-width:1200px}
section,details{scroll-margin-top:100px}
section{margin:22px 0;border-top:1px solid var(--line);padding-top:6px}
h2{font-size:17px;margin:8px 0}
h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{color:var(--muted);margin:4px 0}
.na{color:var(--warn);font-style:italic}
.corpus{display:block;max-height:18em;overflow:auto;white-space:pre-wrap;word-break:break-word;unicode-bidi:isolate;font-family:ui-monospace,Menlo,Consolas,"Noto Sans Mono CJK SC","WenQuanYi Micro Hei Mono",monospace;font-size:12px}
.trunc{color:var(--muted);font-size:11px;font-style:italic}
.bidi{background:#fff1c2;color:#7d4e00;border:1px solid #e0b000;border-radius:3px;font-size:10px;padding:0 2px}
.null{color:var(--muted);font-style:italic}
mark.span{background:#ffd8d3;outline:1px solid var(--bad)}
details{margin:8px 0;border:1px solid var(--line);border-radius:6px;padding:4px 10px}
details>summary{cursor:pointer;font-weight:600}
.grid{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.examples td{max-width:560px}
.dropped{border-left:3px solid var(--bad)}
.kept{border-left:3px solid var(--good)}
.tag{display:inline-block;border:1px solid var(--line);border-radius:10px;padding:0 6px;font-size:11px;margin:1px}
.cell0{background:#fff}
svg{display:block;margin:4px 0}
svg text{font-size:11px;font-family:inherit}svg text:not([fill]){fill:#1f2328}
footer{color:var(--muted);padding:16px 24px;border-top:1px solid var(--line)}
"""


def not_available(what: str, why: str) -> str:
    """A visible, truthful placeholder for a section whose data or stage module is missing."""
    return f'<p class="na">{text(what)}: not available ({text(why)}).</p>'


def tags(values: Iterable[object]) -> str:
    return "".join(f'<span class="tag">{text(v)}</span>' for v in values)
