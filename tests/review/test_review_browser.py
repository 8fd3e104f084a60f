"""`winnow review` end to end in a real headless Chromium: load, move a threshold with the keyboard, label
rows with one key each, read the precision, save a copy of the rule file, re-run `winnow curate` with it,
and find the change in the new run's stats.json. Skips when Chromium is not installed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cdp import Chromium, chromium_binary
from review_run import build_review_run

URL = re.compile(r"http://127\.0\.0\.1:\d+/\?token=\S+")


def _serve(run_dir: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "winnow", "review", str(run_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    seen = []
    for line in server.stderr:
        seen.append(line)
        found = URL.search(line)
        if found:
            return server, found.group(0)
    server.wait(timeout=10)
    raise AssertionError("winnow review printed no URL:\n" + "".join(seen))


def _stat(page_value: object) -> int:
    return int(str(page_value))


@pytest.mark.slow
def test_review_page_end_to_end(tmp_path: Path) -> None:
    chromium_binary()  # skip early without a browser
    run_dir, corpus, _ = build_review_run(tmp_path / "data")
    server, url = _serve(run_dir)
    try:
        with Chromium.start(tmp_path / "profile") as browser:
            page = browser.open(url)
            page.wait_for("document.getElementById('rows').dataset.rule === 'char_run'")
            assert page.evaluate("document.querySelectorAll('#rows .row').length") == 2
            stat = "document.querySelector('#totals [data-stat={}]').dataset.value"
            assert (
                _stat(page.evaluate(stat.format("kept"))),
                _stat(page.evaluate(stat.format("dropped"))),
            ) == (4, 2)
            assert page.evaluate("document.getElementById('rule-name').textContent") == "char_run"
            assert page.evaluate("document.querySelector('#rows .row mark').textContent") == "xxxxxxxx"
            assert (
                page.evaluate("document.querySelector('#rows .row .meta span').textContent")
                == "corpus.json:0"
            )

            # the threshold: one step right on the slider, 5 → 6, and "yyyyyy is six" comes back
            page.evaluate("document.getElementById('threshold-range').focus()")
            page.press("ArrowRight")
            page.wait_for(f"{stat.format('back')} === '1'")
            assert page.evaluate("document.getElementById('threshold-number').value") == "6"
            assert page.evaluate("document.getElementById('rule-whatif').dataset.failing") == "1"
            assert page.evaluate("document.querySelector('#changed .consequence').textContent") == (
                "no longer fails → comes back"
            )
            page.wait_for("document.querySelectorAll('#rows .row').length === 1")

            # labels: one key per verdict on the focused row
            page.evaluate("document.activeElement.blur()")
            page.press("r")
            page.wait_for("document.querySelector('#rows .row').dataset.verdict === 'right'")
            page.press("n")  # a note on the focused row: typed, Enter saves it with the verdict
            page.wait_for("document.activeElement.classList.contains('note-input')")
            page.type_text("eight x in a row: noise")
            page.press("Enter")
            page.wait_for("document.activeElement === document.body")
            page.evaluate("document.querySelector('tr.rule[data-rule=digits]').click()")
            page.wait_for(
                "document.getElementById('rows').dataset.rule === 'digits' && "
                "document.querySelectorAll('#rows .row').length === 1"
            )
            page.press("w")
            page.wait_for("document.querySelector('#rows .row').dataset.verdict === 'wrong'")
            # the rule the curator found wrong is listed first, with its precision and label count
            page.wait_for("document.querySelector('#rule-table tbody tr').dataset.rule === 'digits'")
            cell = "document.querySelector('#rule-table tbody tr td:last-child')"
            assert page.evaluate(f"{cell}.textContent") == "0.00 [0.00–0.79] (1)"
            assert page.evaluate(f"{cell}.classList.contains('low')") is True

            # the digits threshold typed in: 0.9 passes its one row (15/17 digits)
            page.evaluate("const n = document.getElementById('threshold-number'); n.focus(); n.select()")
            page.type_text("0.9")
            page.press("Tab")
            page.wait_for(f"{stat.format('unflagged')} === '1'")

            # save a copy, see the diff first
            page.evaluate("document.getElementById('preview-copy').click()")
            page.wait_for("!document.getElementById('diff').classList.contains('hidden')")
            diff = page.evaluate("document.getElementById('diff').textContent")
            assert "+    params: {max_run: 6}      # runs longer than five\n" in diff
            assert "+      max_ratio: 0.9          # half the characters\n" in diff
            page.evaluate("document.getElementById('write').click()")
            target = page.wait_for("document.getElementById('save-result').dataset.target")
            shot = tmp_path / "review.png"
            page.screenshot(shot)
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        server.terminate()
        server.wait(timeout=20)

    assert target == str(run_dir / "rules.reviewed.yaml")
    labels = [
        json.loads(line) for line in (run_dir / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [(x["rule"], x["verdict"], x["note"]) for x in labels] == [
        ("char_run", "right", "eight x in a row: noise"),
        ("digits", "wrong", ""),
    ]

    rerun = subprocess.run(
        [sys.executable, "-m", "winnow", "curate", str(corpus), "--rules", target, "-o", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    stats = json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))
    assert stats["by_reason"] == {"char_run": 1}
    assert {r["name"]: r["failed"] for r in stats["rules"]} == {"char_run": 1, "digits": 0, "short": 1}
    assert (stats["kept"], stats["dropped"], stats["flagged"]) == (5, 1, 1)
    assert (run_dir / "labels.jsonl").is_file()  # the labels live on beside the new run
    # the re-run's report compares with the run the page reviewed: one row restored from char_run
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-stat="compare.char_run.restored" data-value="1"' in report
    assert 'data-stat="compare.kept_before" data-value="4"' in report
    assert 'data-stat="compare.kept_now" data-value="5"' in report
