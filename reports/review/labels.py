"""RUN_DIR/labels.jsonl: a curator's verdicts on the rows a rule flagged or dropped.

    store = LabelStore(run_dir / "labels.jsonl")
    store.put("f14a2c58…", "max_char_run", "wrong", note="a form blank, not noise")
    store.get("f14a2c58…", "max_char_run").verdict        # "wrong"

One JSON object per line: {"id", "rule", "verdict": "right" | "wrong", "note", "at"} — "right" says the rule
was right about the row (it is defective), "wrong" that it was not. One line per (row id, rule); a new
verdict replaces the old one and `clear` removes it. Row ids are content hashes (winnow.curation.io.ids), so
the same rows carry their labels into the next run; `winnow curate` carries files it did not write into the
new run folder (winnow.curation.run_folder), so labels.jsonl survives a re-run into the same folder.
The file is rewritten whole through a temporary file and a rename after every change, so a killed server
leaves the old file or the new one.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

from winnow.curation.atomic import atomic_open
from winnow.curation.errors import UsageError

LABELS_FILE: Final = "labels.jsonl"
VERDICTS: Final = ("right", "wrong")


@dataclass(frozen=True)
class Label:
    id: str
    rule: str
    verdict: str
    note: str = ""
    at: str = ""  # UTC time of the verdict


class LabelStore:
    """The labels of one run folder, in memory and on disk; safe to use from the server's threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._labels: dict[tuple[str, str], Label] = {}
        if path.is_file():
            self._labels = {(label.id, label.rule): label for label in read_labels(path)}

    def all(self) -> list[Label]:
        with self._lock:
            return list(self._labels.values())

    def get(self, row_id: str, rule: str) -> Label | None:
        with self._lock:
            return self._labels.get((row_id, rule))

    def put(self, row_id: str, rule: str, verdict: str, note: str = "") -> Label:
        if verdict not in VERDICTS:
            raise UsageError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
        label = Label(row_id, rule, verdict, note, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        with self._lock:
            self._labels[(row_id, rule)] = label
            self._write()
        return label

    def clear(self, row_id: str, rule: str) -> None:
        with self._lock:
            if self._labels.pop((row_id, rule), None) is not None:
                self._write()

    def _write(self) -> None:
        with atomic_open(self.path) as handle:
            for label in self._labels.values():
                handle.write(json.dumps(asdict(label), ensure_ascii=False) + "\n")


def read_labels(path: Path) -> list[Label]:
    """The labels of a labels.jsonl; a line that is not a label is an error naming file:line."""
    labels: list[Label] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                label = Label(
                    id=str(raw["id"]),
                    rule=str(raw["rule"]),
                    verdict=str(raw["verdict"]),
                    note=str(raw.get("note") or ""),
                    at=str(raw.get("at") or ""),
                )
            except (ValueError, KeyError, TypeError) as error:
                raise UsageError(
                    f"not a label: {error}",
                    where=f"{path}:{number}",
                    hint='each line is {"id": …, "rule": …, "verdict": "right" | "wrong", "note": …}',
                ) from error
            if label.verdict not in VERDICTS:
                raise UsageError(f"verdict must be one of {', '.join(VERDICTS)}", where=f"{path}:{number}")
            labels.append(label)
    return labels
