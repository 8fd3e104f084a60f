"""The mix on real data: equal task weights over the zh+en LLaMA-Factory demos and Code Alpaca."""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.io.read import read_corpus
from winnow.curation.ledger import with_ledger
from winnow.curation.mix.plan import apportion
from winnow.curation.mix.section import parse_mix
from winnow.curation.mix.stage import mix_frame
from winnow.curation.rulefile.problems import Problems
from winnow.curation.tasks.labels import TASKS
from winnow.curation.tasks.section import TasksConfig
from winnow.curation.tasks.stage import label_tasks


@pytest.mark.slow
def test_equal_weights_on_real_corpus() -> None:
    demo = shared_path("llama_factory_demo")
    records = read_corpus(
        [
            demo / "alpaca_en_demo.json",
            demo / "alpaca_zh_demo.json",
            demo / "glaive_toolcall_en_demo.json",
            shared_path("codealpaca", "code_alpaca_2k.json"),
        ]
    ).records
    frame = with_ledger(label_tasks(records, TasksConfig())[0])
    before = dict(frame.group_by("task").len().iter_rows())
    problems = Problems("rules.yaml")
    config = parse_mix(
        {"total": 3000, "max_factor": 3, "seed": 7, "tasks": {t: {"weight": 1} for t in TASKS}},
        "mix",
        problems,
    )
    assert problems.items == []
    out, stats = mix_frame(frame, config)
    targets = apportion(3000, dict.fromkeys(before, 1.0))
    kept = out.filter(pl.col("drop_reason").is_null())
    copies = dict(kept.group_by("task").agg(pl.col("repeats").sum()).iter_rows())
    for task, n in before.items():
        assert copies[task] == min(targets[task], 3 * n), task  # upsampled up to 3x, or cut down to target
    assert kept["repeats"].max() <= 3
    assert out.height == frame.height  # nothing deleted
    assert out.filter(pl.col("drop_reason") == "mix_cap").height == stats["dropped_mix_cap"] > 0
    assert stats["before"]["by_task"] == {k: before[k] for k in sorted(before)}
    again, _ = mix_frame(frame.reverse(), config)
    assert again.sort("id")["repeats"].equals(out.sort("id")["repeats"])
