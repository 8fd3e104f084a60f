"""`winnow train`, `winnow merge`, `winnow generate`.

    winnow train --shards SHARDDIR --model PATH_OR_NAME [--config train.yaml] [key=value ...] -o OUTDIR [--resume]
    winnow merge OUTDIR -o MERGED [--dtype bf16|fp32] [--base PATH]
    winnow generate OUTDIR "prompt" [--max-new-tokens N] [--temperature T]

The config (file + overrides) is validated, every problem at once, before any model is loaded; so are the
shard folder, the model path and the output folder (exit 2 for each), and a run that fails leaves no empty
output folder behind.
"""

from __future__ import annotations

from pathlib import Path

import click

from winnow.curation.cli.console import cli_console
from winnow.curation.errors import UsageError, WinnowError
from winnow.trainer.config import load_config
from winnow.trainer.shards import read_manifest


def check_train_inputs(shard_dir: Path, model_path: str, out_dir: Path, *, resume: bool) -> None:
    """What the person named, checked before any model is loaded: a shard folder, a model folder that exists
    (a name without a path is a hub name, left to the loader), an output folder that holds no run unless
    --resume. Each problem is bad usage: UsageError, exit 2."""
    try:
        read_manifest(shard_dir)
    except WinnowError as error:
        raise UsageError(error.message, where=error.where, hint=error.hint) from error
    model = Path(model_path).expanduser()
    looks_local = model_path.startswith(("/", "./", "../", "~")) or model.suffix in (".safetensors", ".bin")
    if looks_local and not model.exists():
        raise UsageError("model folder not found", where=model_path, hint="name a local model folder")
    if not resume and (out_dir / "checkpoints" / "last").exists():
        raise UsageError(
            "this folder already holds a training run",
            where=str(out_dir),
            hint="pass --resume, or choose another -o",
        )


@click.command("train")
@click.option(
    "--shards", "shard_dir", required=True, type=click.Path(path_type=Path), help="folder from `winnow shard`"
)
@click.option(
    "--model", "model_path", required=True, help="base model: local folder (or hub name where online)"
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="train YAML (see train/configs/default.yaml)",
)
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="output folder")
@click.option("--resume", is_flag=True, help="continue from OUTDIR/checkpoints/last")
@click.argument("overrides", nargs=-1)
def train_command(
    shard_dir: Path,
    model_path: str,
    config_path: Path | None,
    out_dir: Path,
    resume: bool,
    overrides: tuple[str, ...],
) -> None:
    """Train a LoRA adapter on shards; key=value overrides such as lora.r=8 optim.lr=1e-4."""
    cfg = load_config(config_path, overrides)
    check_train_inputs(shard_dir, model_path, out_dir, resume=resume)
    from winnow.trainer.loop import train

    created = not out_dir.exists()
    try:
        train(shard_dir, model_path, cfg, out_dir, resume=resume, console=cli_console(stderr=True))
    finally:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()  # a run that failed before writing anything leaves no empty folder behind


@click.command("merge")
@click.argument("adapter_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--dtype", type=click.Choice(["bf16", "fp32"]), default="fp32", show_default=True)
@click.option("--base", default=None, help="base model (default: the one the adapter was trained on)")
def merge_command(adapter_dir: Path, out_dir: Path, dtype: str, base: str | None) -> None:
    """Merge the adapter in ADAPTER_DIR into its base model; writes safetensors to -o."""
    from winnow.trainer.merge import merge

    merge(adapter_dir, out_dir, base=base, dtype=dtype)
    cli_console(stderr=True).print(f"merged model written to {out_dir} ({dtype})")


@click.command("generate")
@click.argument("adapter_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("prompt")
@click.option("--max-new-tokens", default=128, show_default=True)
@click.option("--temperature", default=0.7, show_default=True, help="0 = greedy")
@click.option("--top-p", default=0.9, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--system", default=None, help="system prompt")
@click.option("--base", default=None, help="base model (default: the one the adapter was trained on)")
def generate_command(
    adapter_dir: Path,
    prompt: str,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    seed: int,
    system: str | None,
    base: str | None,
) -> None:
    """Answer PROMPT with the adapter, through the chat template it was trained with."""
    from winnow.trainer.generate import generate

    click.echo(
        generate(
            adapter_dir,
            prompt,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            top_p=top_p,
            seed=seed,
            system=system,
            base=base,
        )
    )


COMMANDS = [train_command, merge_command, generate_command]
