"""YAML alias bombs ("billion laughs") are refused at the loader, with the file and line, in well under 2 s.

Before the bounded loader, the 460-byte rule file below made `winnow rules check` run for minutes with
memory growing past 800 MB: `yaml.safe_load` shares the aliased nodes, and validation walked 9**9 strings.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from winnow.curation.cli.main import main
from winnow.curation.errors import ConfigError
from winnow.curation.pipeline.config import load_pipeline
from winnow.curation.rulefile.bounded_yaml import AliasBombError, load_yaml
from winnow.curation.rulefile.load import load_rule_file
from winnow.trainer.config import load_config

REPO = Path(__file__).resolve().parents[2]
LEVELS = "abcdefghi"


def laughs(indent: str = "        ") -> str:
    """Nine anchored lists of nine, each level aliasing the one before: 9**9 strings once expanded."""
    lols = ", ".join(['"lol"'] * 9)
    lines = [f"{indent}- &a [{lols}]"]
    for before, name in itertools.pairwise(LEVELS):
        aliases = ", ".join([f"*{before}"] * 9)
        lines.append(f"{indent}- &{name} [{aliases}]")
    return "\n".join(lines) + "\n"


BOMB_RULES = "checks:\n  - check: blocklist\n    params:\n      patterns:\n" + laughs()


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail (rather than hang the suite) if the test runs past 20 s: the bug this file guards against."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("still running after 20 s: the alias bomb was expanded")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, 20)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.usefixtures("deadline")
def test_rules_check_refuses_an_alias_bomb_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB_RULES, encoding="utf-8")
    assert len(BOMB_RULES.encode()) < 700
    started = time.perf_counter()
    assert main(["rules", "check", str(path)]) == 2
    assert time.perf_counter() - started < 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"1 problem(s) in {path}" in err
    # the alias that takes the expansion past the bound: level f (line 10) repeats *e
    assert "line 10, column 15: aliases expand this file past 100,000 values" in err
    assert "Traceback" not in err


@pytest.mark.usefixtures("deadline")
def test_curate_refuses_an_alias_bomb_before_reading_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "bomb.yaml"
    rules.write_text(BOMB_RULES, encoding="utf-8")
    data = tmp_path / "data.jsonl"
    data.write_text('{"instruction": "q", "output": "a"}\n', encoding="utf-8")
    code = main(["curate", str(data), "--rules", str(rules), "-o", str(tmp_path / "run")])
    assert code == 2
    assert "aliases expand this file" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.usefixtures("deadline")
def test_an_extended_parent_bomb_is_named(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text(BOMB_RULES, encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rule_file(child)
    assert caught.value.problems[0].startswith(f"{tmp_path / 'parent.yaml'}, line 10, column 15: aliases")


@pytest.mark.usefixtures("deadline")
def test_pipeline_file_and_train_config_get_the_same_bound(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text("inputs: [data.jsonl]\nprofile:\n  extra:\n" + laughs("    "), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_pipeline(pipeline)
    assert "line 9, column 11: aliases expand this file past" in caught.value.problems[0]
    config = tmp_path / "train.yaml"
    config.write_text("lora:\n  target_modules:\n" + laughs("    "), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "aliases expand this file past" in caught.value.problems[0]


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(AliasBombError, match=r"alias \*a refers to the node that holds it"):
        load_yaml("a: &a [1, *a]\n")


def test_deep_nesting_is_refused_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("checks:\n  " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    assert main(["rules", "check", str(path)]) == 2  # was: RecursionError, a traceback
    assert "line 2, column 202: nested deeper than 200 levels" in capsys.readouterr().err


def test_a_few_aliases_load_as_safe_load_does() -> None:
    text = "base: &base {max_ratio: 0.3, min_chars: 20}\none: *base\ntwo: {<<: *base, max_ratio: 0.5}\n"
    assert load_yaml(text) == yaml.safe_load(text)
    assert load_yaml(text)["two"] == {"max_ratio": 0.5, "min_chars": 20}


def test_shipped_yaml_files_load_unchanged() -> None:
    shipped = [*sorted((REPO / "rules").glob("*.yaml")), REPO / "curate" / "example" / "pipeline.yaml"]
    shipped += sorted((REPO / "train" / "configs").glob("*.yaml"))
    for path in shipped:
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path


def test_a_real_process_refuses_the_bomb_with_one_message(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB_RULES, encoding="utf-8")
    command = [sys.executable, "-m", "winnow", "rules", "check", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
    assert done.returncode == 2
    assert "aliases expand this file past 100,000 values" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
