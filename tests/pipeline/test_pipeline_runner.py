"""Tests for winnow.curation.pipeline.runner and config: steps skip when unchanged, redo with the right reason."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from winnow.curation.errors import ConfigError
from winnow.curation.pipeline.config import PipelineConfig, load_pipeline
from winnow.curation.pipeline.runner import RunContext, Step, run_steps


def _pipeline(tmp_path: Path, rules: str = "default", extra: str = "") -> PipelineConfig:
    (tmp_path / "data.jsonl").write_text('{"instruction": "a", "output": "b"}\n', encoding="utf-8")
    path = tmp_path / "pipeline.yaml"
    path.write_text(f"inputs: [data.jsonl]\nrules: {rules}\nwork_dir: work\n{extra}", encoding="utf-8")
    return load_pipeline(path)


def _steps(calls: list[str]) -> list[Step]:
    def make(name: str) -> Any:
        def run(ctx: RunContext) -> dict[str, Any]:
            calls.append(name)
            ctx.stage_dir(name).mkdir(parents=True, exist_ok=True)
            # the product: what the stage read, so that it changes exactly when the inputs do
            data = (ctx.config.base_dir / "data.jsonl").read_text(encoding="utf-8")
            (ctx.stage_dir(name) / "out.txt").write_text(f"{ctx.config.rules}\n{data}", encoding="utf-8")
            return {"name": name}

        return run

    return [
        Step(
            "curate",
            make("curate"),
            settings=lambda c: c.rules,
            files=lambda c: [c.base_dir / "data.jsonl"],
            outputs=lambda ctx: [ctx.stage_dir("curate")],
            products=lambda ctx: [ctx.stage_dir("curate") / "out.txt"],
        ),
        Step("export", make("export"), depends=("curate",), outputs=lambda ctx: [ctx.stage_dir("export")]),
    ]


def _run(config: PipelineConfig, calls: list[str], **kwargs: Any) -> RunContext:
    ctx = RunContext(config=config, console=Console(quiet=True))
    return run_steps(_steps(calls), ctx, **kwargs)


def test_second_run_skips_everything(tmp_path: Path) -> None:
    calls: list[str] = []
    first = _run(_pipeline(tmp_path), calls)
    second = _run(_pipeline(tmp_path), calls)
    assert first.ran == ["curate", "export"]
    assert second.ran == []
    assert second.skipped == ["curate", "export"]
    assert second.summaries["export"] == {"name": "export"}
    assert calls == ["curate", "export"]


def test_changed_settings_redo_the_step_and_what_follows(tmp_path: Path) -> None:
    calls: list[str] = []
    _run(_pipeline(tmp_path), calls)
    again = _run(_pipeline(tmp_path, rules="strict"), calls)
    assert again.ran == ["curate", "export"]


def test_changed_input_bytes_redo_but_touch_does_not(tmp_path: Path) -> None:
    calls: list[str] = []
    config = _pipeline(tmp_path)
    _run(config, calls)
    data = tmp_path / "data.jsonl"
    data.write_text(data.read_text(encoding="utf-8"), encoding="utf-8")  # same bytes, new mtime
    assert _run(config, calls).ran == []
    data.write_text('{"instruction": "a", "output": "c"}\n', encoding="utf-8")
    assert _run(config, calls).ran == ["curate", "export"]


def test_missing_output_and_until(tmp_path: Path) -> None:
    calls: list[str] = []
    config = _pipeline(tmp_path)
    assert _run(config, calls, until="curate").ran == ["curate"]
    assert _run(config, calls).ran == ["export"]
    shutil.rmtree(config.work_dir / "export")
    assert _run(config, calls).ran == ["export"]


def test_pipeline_file_reports_every_problem_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        _pipeline(tmp_path, extra="shard: {max_len: -3, tokeniser: x}\nexprt: {}\n")
    assert error.value.problems == [
        "exprt: unknown key 'exprt' (did you mean \"export\"?); known: engine, export, format, inputs, profile, rules, "
        "select, shard, train, work_dir",
        "shard.max_len: must be a positive integer, got -3",
        "shard.tokeniser: unknown key 'tokeniser' (did you mean \"tokenizer\"?); known: enabled, max_len, "
        "template, tokenizer",
    ]
