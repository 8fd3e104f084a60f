"""`winnow curate` never imports pandas: winnow does not use it, and `pa.array` or an Arrow `to_numpy`
would import it (0.2-0.35 s of every run) just to ask whether an argument is a pandas object."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
from winnow.curation.cli.main import main
code = main(["curate", *sys.argv[1:]])
print("code", code, "pandas", "pandas" in sys.modules)
"""


def test_a_curate_run_imports_no_pandas(tmp_path: Path) -> None:
    rows = [
        {"instruction": f"Name a colour that starts with letter {c}.", "input": "", "output": f"{c}olour {i}"}
        for i, c in enumerate("ABCDEFGH")
    ]
    chats = [
        {
            "messages": [
                {"role": "user", "content": f"Say {w} twice."},
                {"role": "assistant", "content": f"{w} {w}"},
            ]
        }
        for w in ("hello", "good morning", "thanks")
    ]
    alpaca, openai = tmp_path / "alpaca.jsonl", tmp_path / "chats.jsonl"
    alpaca.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken\n", encoding="utf-8")
    openai.write_text("".join(json.dumps(r) + "\n" for r in chats), encoding="utf-8")
    rules = Path(__file__).resolve().parents[2] / "rules" / "default.yaml"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(alpaca),
            str(openai),
            "--rules",
            str(rules),
            "-o",
            str(tmp_path / "run"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.stdout.splitlines()[-1] == "code 0 pandas False", result.stderr[-2000:]
