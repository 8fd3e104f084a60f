"""The README's Python API example runs as written (in a fresh folder), and its printed values hold."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def api_example() -> str:
    text = README.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- api-example:begin.*?-->\n```python\n(.*?)```\n<!-- api-example:end -->", text, re.S
    )
    assert block, "README has no api-example block"
    return block.group(1)


@pytest.mark.slow
def test_the_readme_api_example_runs_and_prints_what_its_comments_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    scope: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        exec(compile(api_example(), str(README), "exec"), scope)
    printed = out.getvalue().splitlines()
    assert printed[0] == "2487 19"
    assert printed[1].startswith("Curated(2,468 rows: 2,324 kept, 144 dropped, 111 flagged; 19 quarantined; ")
    assert printed[-1] == "4"
    reasons = dict(scope["reasons"].iter_rows())  # type: ignore[attr-defined]
    assert (reasons["exact_duplicate"], reasons["near_duplicate"]) == (68, 53)
    splits = scope["splits"]
    assert sorted(splits) == ["test", "train", "validation"]  # type: ignore[call-overload]
    assert len(scope["rows"]) == 2265  # type: ignore[arg-type]
    assert (tmp_path / "runs/api/adapter/adapter_config.json").is_file()
    assert os.listdir(tmp_path / "runs/api/curated")  # the run folder shards were made from
