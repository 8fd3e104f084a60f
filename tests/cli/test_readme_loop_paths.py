"""The README's rule-tuning loop and review loop name inputs and rule files that exist (the built-in example),
so a person can paste them into a checkout as they are."""

from __future__ import annotations

import glob
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("## The rule-tuning loop", "### Tuning on your own labels: `winnow review`")


def _first_bash_block(readme: str, heading: str) -> list[list[str]]:
    after = readme.split(heading, 1)[1]
    block = re.search(r"```bash\n(.*?)```", after, re.S)
    assert block is not None, f"no bash block after {heading!r}"
    commands = []
    for line in block.group(1).splitlines():
        code = line.split("#", 1)[0].strip()
        if code.startswith(("winnow ", "cp ")):
            commands.append(shlex.split(code))
    return commands


def test_loop_inputs_and_rule_files_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    checked = 0
    for heading in SECTIONS:
        made: set[str] = set()  # files the block itself writes (cp targets, saved rule files)
        for words in _first_bash_block(readme, heading):
            if words[0] == "cp":
                assert (ROOT / words[1]).is_file(), words
                made.add(words[2])
                continue
            command, args = words[1], words[2:]
            if command in ("profile", "curate"):
                first_option = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
                for pattern in args[:first_option]:
                    assert glob.glob(str(ROOT / pattern)), f"{heading}: {pattern} matches nothing"
                    checked += 1
            if "--rules" in args:
                rules = args[args.index("--rules") + 1]
                assert rules in made or rules.startswith("runs/") or (ROOT / rules).is_file(), rules
    assert checked == 5
