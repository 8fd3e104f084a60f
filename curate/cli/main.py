"""Entry point of the `winnow` command.

    winnow --help

Commands are contributed by modules: every module in `winnow.curation.cli` and `winnow.trainer.cli` that defines
`COMMANDS` (a list of click commands or groups) is added here, so a new command is a new module. They are
imported when a command is first looked up, so `winnow --version` stays quick.
Exit codes: 0 ok, 1 failed, 2 bad usage or configuration. Every error prints as one plain message, never
a traceback (winnow.curation.cli.failure); `winnow --debug COMMAND …` prints the traceback too.
"""

from __future__ import annotations

import errno
import importlib
import pkgutil
import sys
from collections.abc import MutableMapping

import click

from winnow.curation import __version__
from winnow.curation.cli.failure import report_failure

COMMAND_PACKAGES = ("winnow.curation.cli", "winnow.trainer.cli")


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


class _DiscoveredGroup(click.Group):
    """The `winnow` group. Its commands are imported the first time one is asked for (to run it, list it or
    print help), so `winnow --version` imports no command module: none of Polars, torch or transformers."""

    _loaded = False

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for command in _discover_commands():
                self.add_command(command)

    @property
    def commands(self) -> MutableMapping[str, click.Command]:
        self._load()
        return self._commands

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        self._commands = value


class _Session:
    """What the group's options decided for this run (read by `main` after a command fails)."""

    debug = False


@click.group(
    cls=_DiscoveredGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="winnow")
@click.option("--debug", is_flag=True, help="On an error, print the full traceback too.")
def cli(debug: bool) -> None:
    """winnow: curate instruction data for fine-tuning, and train LoRA adapters on it."""
    _Session.debug = debug


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error becomes one message and an exit code, never a traceback (unless --debug)."""
    _Session.debug = False
    try:
        cli.main(args=argv, prog_name="winnow", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as error:
        error.show()
        return 2 if isinstance(error, click.UsageError) else error.exit_code
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except BrokenPipeError:  # `winnow rules list | head`: the reader went away, nothing to report
        return 1
    except Exception as error:
        if isinstance(error, OSError) and error.errno == errno.EPIPE:
            return 1
        return report_failure(error, debug=_Session.debug)
    return 0


if __name__ == "__main__":
    sys.exit(main())
