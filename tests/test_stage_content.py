"""Only the stages of CONTENT_CHANGING (the mappers, the tasks stage's `task`) change a row's content: what
lets the stages between them share one content digest (winnow.curation.stage_cache.stage_content,
StageContext.content), the first one computed from the mappers' own row keys, the one after the tasks stage
from it and the `task` column alone.

Every shipped rule file, and one with a budgeted selection, runs over the built-in example with a metric and
stage cache; after each stage the content digest of its output frame is taken again and must equal the one
the last content-changing stage's output had; the stages after the mappers start with the mappers' digest
in the context, without having hashed the rows again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

import winnow.curation.run_curate as run_curate_module
from winnow.curation.example import example_dir
from winnow.curation.io.read import read_corpus
from winnow.curation.rulefile.load import load_rule_file
from winnow.curation.stage_cache import column_digest, content_digest
from winnow.curation.stages import CONTENT_CHANGING, StageContext
from winnow.rules import shipped_rule_file

SELECT = "\nselect:\n  budget: 300\n  by: metric.max_char_run\n"


def _digests_after_each_stage(
    monkeypatch: pytest.MonkeyPatch, rules_path: Path, cache: Path
) -> tuple[dict[str, str], list[tuple[int, str] | None], dict[str, tuple[pl.DataFrame, pl.DataFrame]]]:
    seen: dict[str, str] = {}
    contexts: list[tuple[int, str] | None] = []
    frames: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}  # the content-changing stages' in and out
    original = run_curate_module._run_stage

    def recording(stage: Any, frame: pl.DataFrame, rules: Any, ctx: StageContext) -> pl.DataFrame:
        contexts.append(ctx.content)  # what the run holds when this stage starts
        out = original(stage, frame, rules, ctx)
        seen[stage.name] = content_digest(out)
        if stage.name in CONTENT_CHANGING:
            frames[stage.name] = (frame, out)
        return out

    monkeypatch.setattr(run_curate_module, "_run_stage", recording)
    records = read_corpus(sorted(str(p) for p in (example_dir() / "data").iterdir())).records
    run_curate_module.curate_frame(records, load_rule_file(rules_path), cache_dir=cache)
    return seen, contexts, frames


@pytest.mark.parametrize("name", ["default", "en", "zh", "strict", "default+select"])
def test_stages_after_the_mappers_keep_the_content(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules_path = shipped_rule_file(name.split("+")[0])
    if name.endswith("+select"):
        rules_path = tmp_path / "rules.yaml"
        rules_path.write_text(
            shipped_rule_file("default").read_text(encoding="utf-8") + SELECT, encoding="utf-8"
        )
    for _ in range(2):  # cold, then from the caches
        seen, contexts, frames = _digests_after_each_stage(monkeypatch, rules_path, tmp_path / "cache")
        stages = list(seen)
        assert stages[0] == "mappers"
        assert {"checks", "language", "dedup", "tasks", "split"} <= set(stages)
        current = seen["mappers"]
        for stage in stages:
            if stage in CONTENT_CHANGING:
                current = seen[stage]
            assert seen[stage] == current, stage
        # between the mappers and the tasks stage, the run holds the mappers' digest without hashing again
        mappers_to_tasks = stages.index("tasks") + 1
        assert contexts[1:mappers_to_tasks] == [(2468, seen["mappers"])] * (mappers_to_tasks - 1)
        assert seen["tasks"] != seen["mappers"]  # the example's rows get their tasks there
        # the tasks stage changes `task` alone; after it the run holds the digest before joined with its digest
        before, after = frames["tasks"]
        assert content_digest(after.with_columns(before["task"])) == content_digest(before)
        joined = (2468, f"{seen['mappers']}|{column_digest(after, ['task'])}")
        assert contexts[mappers_to_tasks:] == [joined] * (len(stages) - mappers_to_tasks)
