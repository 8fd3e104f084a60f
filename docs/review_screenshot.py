"""The README's screenshot of `winnow review` (docs/img/review.png), made from ../shared/data.

    python docs/review_screenshot.py       # needs chromium and ../shared/data; writes docs/img/review.png

Curates the first part of the translated Chinese Alpaca (alpaca_chinese_carbonz0) with rules/zh.yaml in a
temporary folder, serves `winnow review` over it, and in headless Chromium (driven as the browser test drives
it, tests/review/cdp.py) opens the `max_char_run` rule, moves its threshold one step down, labels the first two
rows and takes the picture. Labels and run stay in the temporary folder. Chinese text needs a CJK font in the
browser's machine (apt-get install -y fonts-wqy-microhei), or it shows as boxes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "alpaca_chinese_carbonz0" / "zh-data-part-00.json"
OUT = ROOT / "docs" / "img" / "review.png"
RULE = "max_char_run"


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests" / "review"))
    from cdp import Chromium

    from winnow.reports.review.api import ReviewApp
    from winnow.reports.review.server import make_server

    with tempfile.TemporaryDirectory(prefix="winnow-review-shot-") as folder:
        run_dir = Path(folder) / "zh"
        rules = ROOT / "rules" / "zh.yaml"
        subprocess.run(
            [sys.executable, "-m", "winnow", "curate", str(DATA), "--rules", str(rules), "-o", str(run_dir)],
            check=True,
            cwd=ROOT,
        )
        server = make_server(ReviewApp(run_dir, rules))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with Chromium.start(Path(folder) / "profile") as browser:
                page = browser.open(server.url, height=1250)
                page.wait_for("document.body.dataset.ready === '1'")
                page.evaluate(f"document.querySelector('tr.rule[data-rule={RULE}]').click()")
                page.wait_for(f"document.getElementById('rows').dataset.rule === '{RULE}'")
                page.evaluate("document.getElementById('threshold-range').focus()")
                page.press("ArrowLeft")
                page.wait_for(
                    "document.querySelector('#totals [data-stat=newly_flagged]').dataset.value !== '0'"
                )
                page.evaluate("document.activeElement.blur()")
                for key in ("r", "w"):
                    page.press(key)
                page.wait_for("document.querySelectorAll('#rows .row[data-verdict=wrong]').length === 1")
                page.wait_for(
                    f"document.querySelector('tr.rule[data-rule={RULE}] td:last-child').dataset.labeled === '2'"
                )
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(OUT)
        finally:
            server.shutdown()
            server.server_close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
