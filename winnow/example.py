"""`winnow.example_inputs()`: the built-in example's six files (~2,500 rows of five formats, zh and en), the
data `winnow demo` curates, for trying the API with nothing downloaded."""

from __future__ import annotations

from pathlib import Path

from winnow.curation.example import example_dir


def example_inputs() -> list[Path]:
    """The paths of the built-in example's input files, sorted."""
    return sorted(path for path in (example_dir() / "data").iterdir() if path.is_file())
