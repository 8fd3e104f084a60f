"""Results files that keep their history: a benchmark regenerates the tables at the top of its
bench/results/*.md, and everything from a marker line on (hand-written notes, earlier rounds) is carried over.

    from bench.history import write_results
    write_results(ROOT / "bench" / "results" / "shard.md", tables)
"""

from __future__ import annotations

from pathlib import Path

MARKER = "<!-- hand-written below: kept when the tables are regenerated -->"


def write_results(path: Path, text: str, marker: str = MARKER) -> None:
    """Write `text` to `path`, followed by the part of the file already there that starts at `marker`."""
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    if marker in previous:
        text += "\n" + previous[previous.index(marker) :]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
