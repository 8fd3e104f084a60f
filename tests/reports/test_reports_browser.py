"""Headless Chromium opens the hostile report: no script runs, no injected element exists, a screenshot is taken.

Skips with a message when chromium is not installed (`apt-get install chromium`; .ci/run installs it).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from reports_hostile import build_hostile_run

from tests.review.cdp import HEADLESS_FLAGS, chromium_binary
from winnow.reports import write_run_report


def _run(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *HEADLESS_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_hostile_report_runs_no_script_in_chromium(tmp_path: Path) -> None:
    binary = chromium_binary()
    report = write_run_report(build_hostile_run(tmp_path / "run"))
    url = report.resolve().as_uri()
    dom = _run(binary, tmp_path / "profile-dom", "--virtual-time-budget=2000", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = dom.stdout
    assert "<title>winnow run report — run</title>" in body
    assert "PWNED" not in body.split("</title>")[0]  # document.title unchanged
    assert 'data-pwned="1"' not in body
    lowered = body.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert "&lt;script&gt;document.title=" in body  # the payload is there, as text
    shot = tmp_path / "hostile.png"
    result = _run(binary, tmp_path / "profile-shot", "--window-size=1280,2000", f"--screenshot={shot}", url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000
