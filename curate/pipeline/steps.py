"""The concrete steps of `winnow run`: profile → model → curate → export → shard → train.

`model` (the demo model, when the pipeline uses it) comes before curate because a selection by the score of
the model to be trained (`select: {by: ifd}`) scores the rows with it (winnow.curation.pipeline.selection).

Each step names what it hashes (input files by content, its settings, the steps it follows) so the runner can
skip it when nothing changed; each returns a small JSON-able summary that a skipped step's successors reuse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from rich.progress import Progress

from winnow.curation.cli.step_bars import step_bars, step_callback
from winnow.curation.pipeline.config import PipelineConfig
from winnow.curation.pipeline.fingerprint import expand_inputs
from winnow.curation.pipeline.runner import RunContext, Step
from winnow.rules import shipped_rule_file

DEMO = "demo"


def input_paths(config: PipelineConfig) -> list[str]:
    return [config.resolve(pattern) for pattern in config.inputs]


def input_files(config: PipelineConfig) -> list[Path]:
    return expand_inputs(input_paths(config))


def rule_file_path(config: PipelineConfig) -> Path:
    given = config.base_dir / config.rules
    return given if given.is_file() else shipped_rule_file(config.rules)


def _bar(ctx: RunContext) -> Progress:
    return step_bars(ctx.console, transient=True)


# ---- profile -------------------------------------------------------------------------------------------


def run_profile(ctx: RunContext) -> dict[str, Any]:
    from winnow.reports.profile import profile_corpus

    config = ctx.config
    output = ctx.stage_dir("profile") / "profile.html"
    tokenizer = config.profile.tokenizer
    with _bar(ctx) as bar:
        path, facts = profile_corpus(
            input_paths(config),
            output,
            tokenizer=Path(config.resolve(tokenizer)) if tokenizer else None,
            # The profile describes the raw corpus with the shipped default checks (issue 6), not the rule
            # file being tuned: changing a threshold must not redo it.
            rules=None,
            format=config.format,
            progress=step_callback(bar),
        )
    ctx.console.print(f"profile: {path}", highlight=False)
    return {"report": str(path), "rows": facts.get("rows read")}  # the summary names it "rows read"


# ---- curate --------------------------------------------------------------------------------------------


def run_curate_step(ctx: RunContext) -> dict[str, Any]:
    from winnow.curation.pipeline.selection import curate_rules
    from winnow.curation.rulefile.load import load_rule_file
    from winnow.curation.run_curate import run_curate
    from winnow.reports import print_run_summary, snapshot_previous, write_run_report

    config = ctx.config
    run_dir = ctx.stage_dir("curate")
    rules = curate_rules(config, load_rule_file(rule_file_path(config)), model_path(ctx, config.train.model))
    if (run_dir / "rows.parquet").exists():
        snapshot_previous(run_dir)  # the report compares this run with the last one
    with _bar(ctx) as bar:
        result = run_curate(
            input_paths(config),
            rules,
            run_dir,
            format=config.format,
            cache_dir=config.work_dir / "cache",
            progress=step_callback(bar),
            engine=config.engine,
        )
    report = write_run_report(run_dir, rows=result.frame)
    print_run_summary(result.stats, report, ctx.console)
    stats = result.stats
    return {
        "run_dir": str(run_dir),
        "report": str(report),
        "rows_read": stats["rows_read"],
        "kept": stats["kept"],
        "dropped": stats["dropped"],
        "quarantined": stats["quarantined"],
        "by_reason": dict(stats.get("by_reason") or {}),
    }


# ---- export --------------------------------------------------------------------------------------------


def run_export(ctx: RunContext) -> dict[str, Any]:
    from winnow.curation.export.run import export_run

    config = ctx.config
    written: dict[str, Any] = {}
    for fmt in config.export.formats:
        out = ctx.stage_dir("export") / fmt
        result = export_run(ctx.stage_dir("curate"), out, format=fmt, file_format=config.export.file_format)
        rows = {split.split: split.report.rows_written for split in result.splits}
        not_written: dict[str, int] = {}
        for split in result.splits:
            for reason, count in split.report.dropped.items():
                not_written[reason] = not_written.get(reason, 0) + count
        written[fmt] = {
            "dir": str(out),
            "rows": rows,
            "rows_in": sum(split.copies for split in result.splits),
            "not_written": not_written,
        }
        ctx.console.print(f"export {fmt} → {out}", highlight=False)
        for note in result.notes:
            ctx.console.print(f"  note: {note}", highlight=False)
    return {"formats": written}


# ---- demo model ----------------------------------------------------------------------------------------


def scores_with_train_model(config: PipelineConfig) -> bool:
    """Whether curate scores rows with `train.model` (a selection by its score; see pipeline.selection)."""
    from winnow.curation.pipeline.selection import needs_model_scores
    from winnow.curation.rulefile.load import read_merged
    from winnow.curation.rulefile.problems import Problems

    path = rule_file_path(config)
    # the merged YAML only (curate validates the whole file and reports its problems): no section parsed
    raw = read_merged(path, Problems(str(path))) if path.is_file() else None
    return needs_model_scores(config, raw or {})


def needs_demo_model(config: PipelineConfig) -> bool:
    return (
        (config.shard.enabled and config.shard.tokenizer == DEMO)
        or (config.train.enabled and config.train.model == DEMO)
        or (config.train.model == DEMO and scores_with_train_model(config))
    )


def curate_settings(config: PipelineConfig) -> Any:
    """What curate hashes beyond its files: the format, and the pipeline's select and scoring model if any."""
    if config.select is None and not scores_with_train_model(config):
        return config.format  # as before the pipeline had a select: earlier runs stay valid
    return (config.format, config.select, config.train.model, config.shard.template)


def run_demo_model(ctx: RunContext) -> dict[str, Any]:
    """Train a tokenizer on the raw inputs' text and build a tiny random-init Llama for it.

    Built from the raw inputs (not the curated rows) so that tuning a rule does not rebuild the model.
    """
    from winnow.curation.example.tiny_model import build_tiny_model
    from winnow.curation.io.read import read_corpus
    from winnow.curation.record import field_expr
    from winnow.trainer.quiet import quiet_transformers

    records = read_corpus(input_paths(ctx.config), format=ctx.config.format).records
    texts = records.select(field_expr("all_text")).to_series().drop_nulls().to_list()
    with quiet_transformers():  # no "Writing model shards" bar between the stages' own lines
        out = build_tiny_model(texts, ctx.stage_dir("model"))
    ctx.console.print(f"tiny demo model and tokenizer ({len(texts):,} texts) → {out}", highlight=False)
    return {"model_dir": str(out)}


def model_path(ctx: RunContext, value: str) -> str:
    return str(ctx.stage_dir("model")) if value == DEMO else ctx.config.resolve(value)


# ---- shard ---------------------------------------------------------------------------------------------


def run_shard(ctx: RunContext) -> dict[str, Any]:
    from winnow.curation.shard.settings import ShardSettings
    from winnow.curation.shard.writer import shard_run

    config = ctx.config
    settings = ShardSettings(template=config.shard.template, max_len=config.shard.max_len)
    tokenizer = model_path(ctx, config.shard.tokenizer)
    with _bar(ctx) as bar:
        task = bar.add_task("tokenizing", total=None)
        result = shard_run(
            ctx.stage_dir("curate"),
            tokenizer,
            ctx.stage_dir("shards"),
            settings,
            on_progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    manifest = result.manifest
    splits = {
        name: {"rows": split["rows"], "tokens": split["tokens"]} for name, split in manifest["splits"].items()
    }
    ctx.console.print(f"shards → {result.out_dir}", highlight=False)
    dropped: dict[str, Any] = manifest.get("dropped") or {}
    truncation: dict[str, Any] = manifest.get("truncation") or {}
    return {
        "shard_dir": str(result.out_dir),
        "splits": splits,
        "rows_in": manifest.get("rows_in"),
        "dropped": dict(dropped.get("by_reason") or {}),
        "truncated_rows": truncation.get("truncated_rows"),
        "preference": {name: int(part["rows"]) for name, part in (manifest.get("preference") or {}).items()},
    }


# ---- train ---------------------------------------------------------------------------------------------


def run_train(ctx: RunContext) -> dict[str, Any]:
    import torch

    from winnow.trainer.config import load_config
    from winnow.trainer.loop import train

    config = ctx.config
    overrides = [
        f"{key}={json.dumps(value) if not isinstance(value, str) else value}"
        for key, value in config.train.overrides.items()
    ]
    cfg = load_config(Path(config.resolve(config.train.config)) if config.train.config else None, overrides)
    out = ctx.stage_dir("train")
    if out.exists():
        # The shards or settings changed (that is why this step runs): the old adapter is stale, and the
        # trainer rightly refuses to mix a new run into a folder holding another one.
        shutil.rmtree(out)
    # The demo model has ~1M parameters: its matmuls are too small to split across threads, and on a 2-core
    # machine a second thread made each step 2-6x slower (measured: 20 steps in 17 s with one, 42 s with two).
    threads = torch.get_num_threads()
    if config.train.model == DEMO:
        torch.set_num_threads(1)
    try:
        result = train(
            ctx.stage_dir("shards"), model_path(ctx, config.train.model), cfg, out, console=ctx.console
        )
    finally:
        torch.set_num_threads(threads)
    evals = eval_losses(out)
    return {
        "adapter_dir": str(out),
        "steps": result.steps,
        "last_loss": result.last_loss,
        "eval_loss_before": evals[0] if evals else None,
        "eval_loss_after": evals[-1] if evals else None,
        "report": str(out / "report.html"),
    }


def eval_losses(train_dir: Path) -> list[float]:
    """Eval losses in step order from OUTDIR/metrics.jsonl (step 0 is the untrained adapter)."""
    path = train_dir / "metrics.jsonl"
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    evals = sorted((row["step"], row["eval_loss"]) for row in rows if row.get("kind") == "eval")
    return [loss for _, loss in evals]


def pipeline_steps() -> list[Step]:
    def files_and_rules(c: PipelineConfig) -> list[Path]:
        return [*input_files(c), rule_file_path(c)]

    return [
        Step(
            "profile",
            run_profile,
            enabled=lambda c: c.profile.enabled,
            settings=lambda c: (c.format, c.profile),
            files=lambda c: [*input_files(c), shipped_rule_file("default")],
            outputs=lambda ctx: [ctx.stage_dir("profile") / "profile.html"],
        ),
        Step(
            "model",
            run_demo_model,
            enabled=needs_demo_model,
            settings=lambda c: (c.format, "tiny-llama-v1"),
            files=input_files,
            outputs=lambda ctx: [ctx.stage_dir("model") / "config.json"],
            products=lambda ctx: expand_inputs([str(ctx.stage_dir("model"))]),
        ),
        Step(
            "curate",
            run_curate_step,
            depends=("model",),  # "" while the model step is off: scoring with the demo model only
            settings=curate_settings,
            files=files_and_rules,
            outputs=lambda ctx: [ctx.stage_dir("curate") / "kept.parquet"],
            products=lambda ctx: [ctx.stage_dir("curate") / "kept.parquet"],
        ),
        Step(
            "export",
            run_export,
            enabled=lambda c: c.export.enabled,
            depends=("curate",),
            settings=lambda c: c.export,
            outputs=lambda ctx: [ctx.stage_dir("export")],
        ),
        Step(
            "shard",
            run_shard,
            enabled=lambda c: c.shard.enabled,
            depends=("curate", "model"),
            settings=lambda c: c.shard,
            files=lambda c: (
                [] if c.shard.tokenizer == DEMO else expand_inputs([c.resolve(c.shard.tokenizer)])
            ),
            outputs=lambda ctx: [ctx.stage_dir("shards") / "manifest.json"],
            products=lambda ctx: [ctx.stage_dir("shards") / "manifest.json"],
        ),
        Step(
            "train",
            run_train,
            enabled=lambda c: c.train.enabled and c.shard.enabled,
            depends=("shard", "model"),
            settings=lambda c: c.train,
            files=lambda c: (
                ([] if c.train.model == DEMO else expand_inputs([c.resolve(c.train.model)]))
                + ([Path(c.resolve(c.train.config))] if c.train.config else [])
            ),
            outputs=lambda ctx: [ctx.stage_dir("train") / "adapter_config.json"],
        ),
    ]
