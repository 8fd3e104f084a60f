"""`winnow run`'s profile stage draws its bars (issue 20: the stage ran a minute of language detection on 20k
rows with nothing on the screen; `winnow profile` already showed steps)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from winnow.curation.pipeline.config import load_pipeline
from winnow.curation.pipeline.runner import RunContext
from winnow.curation.pipeline.steps import run_profile


def test_profile_stage_shows_reading_sections_and_the_language_detector(tmp_path: Path) -> None:
    rows = [{"instruction": "Describe the water cycle briefly.", "input": "", "output": "It rains a lot."}]
    (tmp_path / "en.json").write_text(json.dumps(rows), encoding="utf-8")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text("inputs: [en.json]\nwork_dir: work\n", encoding="utf-8")
    console = Console(file=io.StringIO(), record=True, force_terminal=True, width=200, color_system=None)
    summary = run_profile(RunContext(config=load_pipeline(pipeline), console=console))
    shown = console.export_text()
    assert summary["rows"] == 1
    for bar in ("reading inputs", "profile sections", "detecting languages: response"):
        assert bar in shown, bar
    assert "6/6" in shown
