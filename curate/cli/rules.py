"""`winnow rules list` and `winnow rules check FILE`: what a rule file can say, and whether it says it right.

winnow rules list              # every check and mapper with its parameters and one line of doc
winnow rules check my.yaml     # validate (exit 2 with every problem listed at once)
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from winnow.curation.checks.registry import registered_checks
from winnow.curation.cli.console import cli_console
from winnow.curation.mappers.registry import registered_mappers
from winnow.curation.rulefile.load import load_rule_file
from winnow.curation.rulefile.params import describe_params


@click.group("rules")
def rules_group() -> None:
    """List the checks and mappers a rule file can use, or validate a rule file."""


@rules_group.command("list")
def list_command() -> None:
    """Every check (name, scope, family, parameters, doc) and every mapper."""
    console = cli_console()
    checks = Table(title="checks", header_style="bold", show_lines=False)
    checks.add_column("check", no_wrap=True)
    for column in ("scope", "family", "params", "what it measures"):
        checks.add_column(column, overflow="fold")
    for name, spec in registered_checks().items():
        params = "\n".join(describe_params(spec.function, spec.params)) or "-"
        checks.add_row(name, spec.scope, spec.family, params, spec.doc)
    console.print(checks)
    mappers = Table(title="mappers", header_style="bold")
    mappers.add_column("mapper", no_wrap=True)
    for column in ("params", "what it does"):
        mappers.add_column(column, overflow="fold")
    for name, mapper in registered_mappers().items():
        mappers.add_row(name, "\n".join(describe_params(mapper.function, mapper.params)) or "-", mapper.doc)
    console.print(mappers)


@rules_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check_command(file: Path) -> None:
    """Validate a rule file; prints what it resolved to, or every problem at once (exit 2)."""
    rules = load_rule_file(file)
    console = cli_console()
    console.print(f"{file}: ok", highlight=False)
    for name, config in rules.sections.items():
        size = len(getattr(config, "rules", getattr(config, "steps", ())) or ())
        console.print(f"  {name}" + (f": {size} entries" if size else ""), highlight=False)


COMMANDS = [rules_group]
