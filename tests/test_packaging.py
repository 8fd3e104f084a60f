"""winnow installs one importable name, `winnow`, carrying the repository's folders (curate/, train/, reports/,
rules/) as winnow.curation, winnow.trainer, winnow.reports and winnow.rules, with their data files."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# folder at the repository root -> its name under winnow (winnow.curate and winnow.train are API functions)
PARTS = {"curate": "curation", "train": "trainer", "reports": "reports", "rules": "rules"}
# what a source tree holds that is not winnow's (a stale build/ would leave old files in the wheel)
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "out", "__pycache__", "runs"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "winnow"
    shutil.copytree(REPO, source, symlinks=True, ignore=NOT_SOURCE)
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(source)]
    subprocess.run([*command, "-w", str(out)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("winnow-*.whl")
    return zipfile.ZipFile(built)


def _tracked(part: str) -> set[str]:
    """The files git tracks in a part's folder that the wheel must carry (code and its data)."""
    listed = subprocess.run(
        ["git", "ls-files", part], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    carried = (".py", ".yaml", ".json", ".jsonl", ".html", ".css", ".js", ".txt")
    return {name for name in listed if name.endswith(carried) and not name.endswith("README.md")}


def test_the_wheel_installs_only_the_winnow_name(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert tops == {"winnow", "winnow-0.1.0.dist-info"}


def test_the_wheel_carries_every_file_of_every_part_under_winnow(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for part, name in PARTS.items():
        missing = sorted(f for f in _tracked(part) if f"winnow/{name}/{f.split('/', 1)[1]}" not in names)
        assert not missing, f"{part}: not in the wheel: {missing[:5]}"
    assert {"winnow/__init__.py", "winnow/__main__.py", "winnow/rules/default.yaml"} <= names


def test_python_m_winnow_curate_runs_from_a_folder_holding_rules_and_curate(tmp_path: Path) -> None:
    # the folder names a user's project may hold shadow nothing: winnow's parts live under winnow
    for part in PARTS:
        (tmp_path / part).mkdir()
        (tmp_path / part / "__init__.py").write_text("raise ImportError('the wrong package')\n")
    (tmp_path / "rules" / "mine.yaml").write_text("extends: default\n", encoding="utf-8")
    rows = [
        '{"instruction": "Name a primary colour.", "output": "Red is a primary colour."}',
        '{"instruction": "What is two plus two?", "output": "Two plus two is four."}',
    ]
    (tmp_path / "data.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    command = ["curate", "data.jsonl", "--rules", "rules/mine.yaml", "-o", "run", "--no-report"]
    done = subprocess.run(
        [sys.executable, "-m", "winnow", *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "run" / "kept.parquet").is_file()
