"""What the last `winnow run` did, per stage: its fingerprint and summary, in WORK_DIR/pipeline.state.json.

A stage's entry is written only after the stage finished, atomically, so a run killed midway redoes that stage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from winnow.curation.atomic import write_json

STATE_FILE = "pipeline.state.json"


class PipelineState:
    def __init__(self, work_dir: Path) -> None:
        self.path = work_dir / STATE_FILE
        self.stages: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                self.stages = json.loads(self.path.read_text(encoding="utf-8")).get("stages", {})
            except json.JSONDecodeError:
                self.stages = {}  # a damaged state file only costs a full re-run

    def fingerprint(self, stage: str) -> str | None:
        entry = self.stages.get(stage)
        return entry.get("fingerprint") if entry else None

    def summary(self, stage: str) -> dict[str, Any]:
        return dict(self.stages.get(stage, {}).get("summary", {}))

    def record(
        self, stage: str, fingerprint: str, parts: dict[str, Any], summary: dict[str, Any], seconds: float
    ) -> None:
        """Remember a finished stage: its fingerprint, the parts it was made of (to say later what changed)."""
        self.stages[stage] = {
            "fingerprint": fingerprint,
            "parts": parts,
            "summary": summary,
            "seconds": round(seconds, 3),
        }
        write_json(self.path, {"stages": self.stages})
