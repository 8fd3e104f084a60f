"""Shared test fixtures: where ../shared/data is, and a skip with a clear message when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get("WINNOW_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def shared_path(*parts: str) -> Path:
    """Path under ../shared/data; skips the calling test when it is not there (a user's machine)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the real third-party data in ../shared/data), which is absent here")
    return path


@pytest.fixture
def shared_data() -> Path:
    return shared_path()
