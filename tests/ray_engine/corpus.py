"""A real corpus from ../shared/data with planted duplicates and bad lines, in every input kind winnow reads.

    files = build_corpus(tmp_path, rows=5_000)   # the inputs to name: a folder, a glob, a registry-free list

Rows come from real instruction sets (Alpaca en/zh, GPTeacher, Code Alpaca, GSM8K; ~53k rows in all);
planted on top:
exact copies across files and inside one file (ids numbered -1, -2), near copies (one word changed), and
bad lines (broken JSON, a JSON list, a number, an unknown role). Kinds: a JSON array, plain JSONL, gzip
JSONL, Parquet and a save_to_disk folder.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import polars as pl

from tests.conftest import shared_path

SOURCES = (
    ("llama_factory_demo", "alpaca_en_demo.json"),
    ("llama_factory_demo", "alpaca_zh_demo.json"),
    ("alpaca_data_cleaned", "gpteacher_toolformer_dedupe_only.json"),
    ("codealpaca", "code_alpaca_2k.json"),
    ("alpaca_data_cleaned", "gsm_8k_train.json"),
    ("alpaca_data_cleaned", "gpteacher_roleplay_deduped.json"),
    ("alpaca_chinese_carbonz0", "zh-data-part-00.json"),
    ("alpaca_chinese_carbonz0", "zh-data-part-01.json"),
    ("codealpaca", "new_codealpaca.json"),
    ("alpaca_data_cleaned", "gpteacher_toolformer_similarity_0.9.json"),
)
BAD_LINES = (
    "{broken json",
    '["a", "list"]',
    "42",
    '{"messages": [{"role": "wizard", "content": "hi"}]}',
)


def _alpaca(row: dict[str, Any]) -> dict[str, str]:
    return {key: str(row.get(key) or "") for key in ("instruction", "input", "output")}


def real_rows(rows: int) -> list[dict[str, str]]:
    taken: list[dict[str, str]] = []
    for folder, name in SOURCES:
        data = json.loads(shared_path(folder, name).read_text(encoding="utf-8"))
        taken.extend(_alpaca(row) for row in data[: max(0, rows - len(taken))])
        if len(taken) >= rows:
            break
    return taken


def _near(row: dict[str, str]) -> dict[str, str]:
    words = row["output"].split(" ")
    if len(words) > 8:
        words[len(words) // 2] = "indeed"
    return {**row, "output": " ".join(words)}


def build_corpus(root: Path, rows: int, seed: int = 21) -> Path:
    """The corpus folder (every file in it is an input); about `rows` rows plus what is planted."""
    rng = random.Random(seed)
    base = real_rows(rows)
    folder = root / "corpus"
    folder.mkdir()
    fifth = len(base) // 5
    parts = [base[i * fifth : (i + 1) * fifth] for i in range(4)] + [base[4 * fifth :]]
    copies = rng.sample(base, max(4, len(base) // 50))  # exact copies in another file
    nears = [_near(row) for row in rng.sample(base, max(4, len(base) // 50))]
    (folder / "a_array.json").write_text(json.dumps(parts[0], ensure_ascii=False), encoding="utf-8")
    plain = [json.dumps(row, ensure_ascii=False) for row in parts[1] + copies + parts[1][:5]]
    for index, bad in enumerate(BAD_LINES):
        plain.insert(7 + index * 97, bad)
    (folder / "b_plain.jsonl").write_text("\n".join(plain) + "\n", encoding="utf-8")
    packed = [json.dumps(row, ensure_ascii=False) for row in parts[2] + nears]
    packed.insert(3, "{also broken")
    with gzip.open(folder / "c_packed.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write("\n".join(packed) + "\n")
    pl.DataFrame(parts[3]).write_parquet(folder / "d_table.parquet")
    import datasets  # a save_to_disk folder, as `datasets` writes it

    datasets.Dataset.from_list(parts[4]).save_to_disk(str(folder / "e_saved"))
    return folder
