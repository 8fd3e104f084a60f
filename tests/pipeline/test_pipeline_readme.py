"""The README stays true: its CLI reference is what the CLI prints, and its two commands are what CI runs."""

from __future__ import annotations

from pathlib import Path

from winnow.curation.cli.reference import BEGIN, END, render_reference, replace_block

ROOT = Path(__file__).resolve().parents[2]


def test_readme_cli_reference_matches_the_cli() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    expected = replace_block(readme, render_reference())
    assert readme == expected, (
        "README's CLI reference is stale: run `python -m winnow.curation.cli.reference --write`"
    )
    assert readme.count(BEGIN) == readme.count(END) == 1


def test_ci_runs_the_readme_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [block.split("\n", 1)[1].split("```", 1)[0].strip() for block in readme.split("```bash")[1:3]]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[0].endswith("winnow demo")
    assert commands[1].endswith("pytest -q")
    for command in commands:
        assert command in ci
