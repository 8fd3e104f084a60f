"""An exported folder as a Hugging Face `DatasetDict.save_to_disk` folder (one split per exported file).

Splits with no written rows are left out. The rows are the exported file's rows (same keys, same values), so `datasets.load_from_disk` gives what
the JSON gives. A format whose rows are bare lists (`messages`) is wrapped as {"messages": [...]}.
Each split folder is read back with winnow.curation.io.read and compared like the files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from winnow.curation.errors import WinnowError
from winnow.curation.export.verify import Verification, verify_file

if TYPE_CHECKING:
    from winnow.curation.export.run import SplitExport


def _rows(path: Path, file_format: str) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    rows = (
        json.loads(text)
        if file_format == "json"
        else [json.loads(line) for line in text.split("\n") if line]  # JSON Lines: "\n" only ends a line
    )
    return [row if isinstance(row, dict) else {"messages": row} for row in rows]


def save_hf(
    splits: Sequence[SplitExport], hf_dir: Path, fmt: str, file_format: str
) -> tuple[Path, list[Verification]]:
    import datasets

    parts: dict[str, Any] = {}
    for split in splits:
        if split.report.rows_written == 0:  # an empty split has no columns to make a table of
            continue
        rows = _rows(split.path, file_format)
        # every key of every row (Dataset.from_list would take the first row's keys and drop the rest)
        keys = list(dict.fromkeys(key for row in rows for key in row))
        try:
            parts[split.split] = datasets.Dataset.from_dict(
                {key: [row.get(key) for row in rows] for key in keys}
            )
        except (ValueError, TypeError) as error:  # pyarrow type clashes surface as these
            raise WinnowError(
                f"{split.path}: rows do not form one Arrow table for a Hugging Face dataset: {error}",
                hint="a meta field with mixed types cannot be stored; export without --hf",
            ) from error
    datasets.disable_progress_bars()  # the CLI shows its own progress
    # into the export's staging folder (winnow.curation.export.run), which appears whole or not at all
    datasets.DatasetDict(parts).save_to_disk(str(hf_dir))
    checks: list[Verification] = []
    for split in splits:
        if split.report.rows_written == 0:
            continue
        # bare message lists were wrapped as {"messages": [...]}, which reads as the openai format
        read_as = "openai" if fmt == "messages" else fmt
        check = verify_file(split.expected, hf_dir / split.split, read_as, split.report)
        check.path = f"hf/{split.split}"
        checks.append(check)
    return hf_dir, checks
