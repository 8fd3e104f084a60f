"""report.html of a small real run is pinned byte for byte (issue 24: the report was made cheap on large
runs without changing what it shows).

The run: 300 English and 300 Chinese Alpaca rows with a near copy of 100 of each, the shipped default
rules with one flag rule's threshold changed (max_special_char_ratio 0.4 -> 0.05, so its precision note
says the settings differ), cold with an empty stage cache. Stage timings are set to 0 before the report is
written and the temporary folder is written TMP: nothing else in the page may change. After a change meant
to alter the page, rewrite the pinned file with WINNOW_UPDATE_GOLDEN=1 and read its diff.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.rulefile.load import load_rule_file
from winnow.curation.run_curate import run_curate
from winnow.reports import write_run_report
from winnow.rules import shipped_rule_file

GOLDEN = Path(__file__).parent / "golden" / "real_run_report.html.gz"


def _zero_timings(stats: dict[str, Any]) -> dict[str, Any]:
    """stats.json with every stage's seconds 0 (the only text that changes between two runs)."""
    stats["timings"] = dict.fromkeys(stats.get("timings") or {}, 0)
    for stage in (stats.get("stages") or {}).values():
        if isinstance(stage, dict) and "seconds" in stage:
            stage["seconds"] = 0
    return stats


def _run(folder: Path) -> tuple[Path, pl.DataFrame]:
    """The run folder, and the frame `winnow curate` wrote it from."""
    rows = []
    for name in ("alpaca_en_demo.json", "alpaca_zh_demo.json"):
        data = json.loads(shared_path("llama_factory_demo", name).read_text(encoding="utf-8"))[:300]
        rows += data + [dict(r, instruction=f"{r['instruction']} #{i}") for i, r in enumerate(data[:100])]
    data_path = folder / "data.jsonl"
    data_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    text, count = re.subn(
        r"(params: \{max_ratio: )0\.4(, min_chars: 20\})",
        r"\g<1>0.05\g<2>",
        shipped_rule_file("default").read_text(encoding="utf-8"),
    )
    assert count == 1
    rules = folder / "rules.yaml"
    rules.write_text(text, encoding="utf-8")
    run = folder / "run"
    result = run_curate([data_path], load_rule_file(rules), run, cache_dir=folder / "cache")
    stats_path = run / "stats.json"
    stats = _zero_timings(json.loads(stats_path.read_text(encoding="utf-8")))
    stats_path.write_text(json.dumps(stats, ensure_ascii=False, indent=2), encoding="utf-8")
    return run, result.frame


@pytest.mark.slow
def test_report_of_a_small_real_run_is_unchanged(tmp_path: Path) -> None:
    run, frame = _run(tmp_path)
    # the page `winnow curate` writes from the frame it holds is the page read back from the files (whose
    # rows.parquet holds no texts: the examples' texts come from kept.parquet and dropped.parquet)
    in_memory = write_run_report(run, rows=frame).read_text(encoding="utf-8")
    page = write_run_report(run).read_text(encoding="utf-8")
    assert in_memory == page
    page = page.replace(str(tmp_path), "TMP")
    assert "/tmp" not in page.replace("TMP", "")
    if os.environ.get("WINNOW_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        with gzip.open(GOLDEN, "wt", encoding="utf-8", compresslevel=9) as handle:
            handle.write(page)
    pinned = gzip.decompress(GOLDEN.read_bytes()).decode("utf-8")
    if page != pinned:
        got, want = page.split("><"), pinned.split("><")
        first = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), len(want))
        raise AssertionError(
            f"report.html differs from {GOLDEN.name} at element {first}:\n"
            f"  got:    <{got[first] if first < len(got) else '(end)'}>\n"
            f"  pinned: <{want[first] if first < len(want) else '(end)'}>"
        )
