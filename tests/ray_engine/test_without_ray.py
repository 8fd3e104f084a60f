"""Without Ray installed, `--engine ray` stops at once with one line naming the extra; the local engine runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from winnow.curation.cli.main import main
from winnow.curation.errors import UsageError
from winnow.curation.pipeline.config import load_pipeline
from winnow.curation.ray_engine import RAY_EXTRA, require_ray


@pytest.fixture
def no_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ray absent, as on a machine without the extra: a None entry makes `import ray` fail."""
    for name in [n for n in sys.modules if n == "ray" or n.startswith("ray.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ray", None)


def test_require_ray_names_the_extra(no_ray: None) -> None:
    with pytest.raises(UsageError, match="--engine ray needs Ray Data") as error:
        require_ray()
    assert error.value.hint == RAY_EXTRA == "pip install 'winnow[ray]'"


def test_cli_exits_2_before_reading(no_ray: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "a.json"
    data.write_text(json.dumps([{"instruction": "q", "output": "a"}]), encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("checks: []\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    args = ["curate", str(data), "--rules", str(rules), "-o", str(run_dir), "--no-report"]
    assert main([*args, "--engine", "ray"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--engine ray needs Ray Data, which is not installed" in err
    assert "pip install 'winnow[ray]'" in err
    assert not run_dir.exists()
    assert main(args) == 0  # the local engine needs no Ray


def test_pipeline_engine_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text("inputs: [a.json]\nengine: ray\n", encoding="utf-8")
    assert load_pipeline(path).engine == "ray"
    path.write_text("inputs: [a.json]\nengine: spark\n", encoding="utf-8")
    with pytest.raises(UsageError, match="engine: must be local or ray, got 'spark'"):
        load_pipeline(path)
