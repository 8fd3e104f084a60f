"""`winnow shard`: tokenize a curated run into length-bucketed shards for the trainer.

    winnow shard runs/zh --tokenizer ../shared/data/tokenizers/qwen3 --max-len 2048 -o shards/zh

Reads RUNDIR/kept.parquet; writes SHARDDIR/<split>/<bucket>.parquet, SHARDDIR/preference/<split>.parquet
(preference rows), SHARDDIR/dropped.parquet (every row not in a shard, with its reason), SHARDDIR/tokenizer/
and SHARDDIR/manifest.json. Re-running with the same input, settings and tokenizer does nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from winnow.curation.cli.console import cli_console
from winnow.curation.shard.settings import DEFAULT_MAX_LEN, DEFAULT_TOKEN_BUDGET, ShardSettings, parse_buckets
from winnow.curation.shard.templates import TEMPLATE_NAMES


def _summary(console: Console, manifest: dict[str, object]) -> None:
    splits = manifest["splits"]
    assert isinstance(splits, dict)
    for name, split in splits.items():
        console.print(
            f"  {name}: {split['rows']:,} rows, {split['tokens']:,} tokens "
            f"({split['trainable_tokens']:,} trained) in {len(split['buckets'])} bucket(s)"
        )
    preference = manifest.get("preference") or {}
    assert isinstance(preference, dict)
    for name, part in preference.items():
        console.print(f"  preference {name}: {part['rows']:,} pairs")
    dropped = manifest["dropped"]
    assert isinstance(dropped, dict)
    reasons = ", ".join(f"{r} {n:,}" for r, n in dropped["by_reason"].items()) or "none"
    console.print(f"  dropped: {dropped['rows']:,} ({reasons})")
    masking = manifest.get("masking") or {}
    assert isinstance(masking, dict)
    located = masking.get("located") or {}
    if located:
        how = (
            "the template's reply layout"
            if located.get("layout")
            else "prefix renderings (no layout learned)"
        )
        console.print(
            f"  replies located by {how}; {located.get('by_prefixes', 0):,} conversation(s) by prefix renderings"
        )
    padding = manifest["padding"]
    assert isinstance(padding, dict)
    console.print(
        f"  padding efficiency at {padding['token_budget']:,} tokens/batch: "
        f"bucketed {padding['bucketed']['efficiency']:.1%} vs random {padding['random']['efficiency']:.1%}"
    )


@click.command("shard")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--tokenizer",
    "tokenizer_path",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Tokenizer folder (AutoTokenizer.from_pretrained).",
)
@click.option(
    "--template",
    type=click.Choice(TEMPLATE_NAMES),
    default="auto",
    show_default=True,
    help="Chat template: the tokenizer's own (auto) or a built-in.",
)
@click.option(
    "--max-len", type=int, default=DEFAULT_MAX_LEN, show_default=True, help="Longest row in tokens."
)
@click.option("--last-turn-only", is_flag=True, help="Train only the last assistant reply of each row.")
@click.option(
    "--train-on-prompt", is_flag=True, help="Train on the prompt too (system and tool text stay masked)."
)
@click.option(
    "--truncate",
    is_flag=True,
    help="Cut the last reply of rows over --max-len at its last sentence end or line break that fits "
    "(code: a line break) instead of dropping them (prompt, header and end-of-turn kept); a row with no "
    "such place is dropped as too_long_no_sentence_end.",
)
@click.option(
    "--buckets",
    "buckets_raw",
    default="auto",
    show_default=True,
    help="Bucket upper bounds, e.g. 128,256,512,1024, or auto (from the length distribution).",
)
@click.option(
    "--token-budget",
    type=int,
    default=DEFAULT_TOKEN_BUDGET,
    show_default=True,
    help="Tokens per batch for the padding-efficiency estimate in the manifest.",
)
@click.option("--workers", type=int, default=None, help="Processes (default: one per core).")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Shard folder.")
def shard_command(
    run_dir: Path,
    tokenizer_path: Path,
    template: str,
    max_len: int,
    last_turn_only: bool,
    train_on_prompt: bool,
    truncate: bool,
    buckets_raw: str,
    token_budget: int,
    workers: int | None,
    out_dir: Path,
) -> None:
    """Tokenize RUN_DIR/kept.parquet into length-bucketed shards with assistant-only labels."""
    from winnow.curation.shard.writer import (
        shard_run,  # transformers is a heavy import: only when this command runs
    )

    console = cli_console(stderr=True)
    settings = ShardSettings(
        template=template,
        max_len=max_len,
        last_turn_only=last_turn_only,
        train_on_prompt=train_on_prompt,
        truncate=truncate,
        buckets=parse_buckets(buckets_raw),
        token_budget=max(token_budget, max_len),
    )
    masking = "last reply" if last_turn_only else "every assistant reply"
    console.print(
        f"sharding {run_dir / 'kept.parquet'} with {tokenizer_path} (template {template}, max-len {max_len}, "
        f"training {masking}{' + prompt' if train_on_prompt else ''}, over-long rows "
        f"{'truncated' if truncate else 'dropped'})"
    )
    # the bar stays once done, as `winnow curate`'s do: a log of the run shows how long tokenizing took
    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("tokenizing", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = shard_run(run_dir, tokenizer_path, out_dir, settings, workers=workers, on_progress=progress)
    if result.reused:
        console.print(f"{out_dir} is up to date (same input, settings and tokenizer): nothing to do")
    else:
        console.print(f"wrote {out_dir} (buckets {result.manifest['bucket_bounds']}):")
    _summary(console, result.manifest)


COMMANDS = [shard_command]
