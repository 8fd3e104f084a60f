"""`winnow profile` on a real file and `winnow report` on a run folder, through the CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from reports_runfolder import build_run, ints, sft

from tests.conftest import shared_path
from winnow.curation.cli.main import main


@pytest.mark.slow
def test_profile_command_on_alpaca_en_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = shared_path("llama_factory_demo", "alpaca_en_demo.json")
    out = tmp_path / "profile.html"
    assert main(["profile", str(source), "-o", str(out)]) == 0
    cells = ints(out.read_text(encoding="utf-8"))
    assert cells["profile.rows_read"] == 999
    assert cells["profile.quarantined"] == 0
    assert cells[f"profile.format.{source}.alpaca"] == 999
    assert cells["profile.kind.sft"] == 999
    assert "profile.html" in capsys.readouterr().err


def test_report_command_rewrites_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = build_run(tmp_path / "run", [sft("a", "hi", "a fine answer"), sft("b", "hi", "")])
    assert main(["report", str(run)]) == 0
    assert ints((run / "report.html").read_text(encoding="utf-8"))["funnel.kept"] == 1
    assert "report.html" in capsys.readouterr().err


def test_report_command_on_a_folder_without_a_run(tmp_path: Path) -> None:
    assert main(["report", str(tmp_path)]) == 1
