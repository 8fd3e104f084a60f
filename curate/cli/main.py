"""Entry point of the `winnow` command.

    winnow --help

Commands are contributed by modules: every module in `curate.cli` and `train.cli` that defines
`COMMANDS` (a list of click commands or groups) is added here, so a new command is a new module.
Exit codes: 0 ok, 1 failed, 2 bad usage or configuration.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click
from rich.console import Console

from curate import __version__
from curate.errors import WinnowError

COMMAND_PACKAGES = ("curate.cli", "train.cli")


def _discover_commands() -> list[click.Command]:
    commands: list[click.Command] = []
    for package_name in COMMAND_PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError:
            continue
        for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if module_info.name == "main":
                continue
            module = importlib.import_module(f"{package_name}.{module_info.name}")
            commands.extend(getattr(module, "COMMANDS", []))
    return commands


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="winnow")
def cli() -> None:
    """winnow: curate instruction data for fine-tuning, and train LoRA adapters on it."""


for _command in _discover_commands():
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; library errors become messages and exit codes, never tracebacks."""
    err = Console(stderr=True)
    try:
        cli.main(args=argv, prog_name="winnow", standalone_mode=False)
    except WinnowError as error:
        err.print(f"[bold red]error:[/] {error.render()}", markup=True, highlight=False)
        return error.exit_code
    except click.exceptions.Abort:
        err.print("aborted")
        return 1
    except click.ClickException as error:
        error.show()
        return 2 if isinstance(error, click.UsageError) else error.exit_code
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
