"""The language stage's outputs on a small real corpus, pinned: a speed change must not change one of them.

630 real rows (Chinese and English Alpaca, machine-translated Chinese Alpaca, Code Alpaca, GPTeacher
toolformer, GSM8K; stretches holding rows the default rules flag as mismatched or impure), read the way
`winnow curate` reads them and judged by rules/default.yaml's `language` section. The pins were computed with the detector before its tables moved to disk (commit 6ef9263); the
digest covers every language and purity value, the counts say what they are.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl

from tests.conftest import shared_path
from winnow.curation.io.read import read_corpus
from winnow.curation.language.section import parse_language
from winnow.curation.language.stage import language_stage
from winnow.curation.rulefile.load import read_merged
from winnow.curation.rulefile.problems import Problems
from winnow.curation.stages import StageContext

ROOT = Path(__file__).resolve().parents[2]
# (file under ../shared/data, first row, rows): stretches holding rows the default rules flag
SAMPLE = (
    ("llama_factory_demo/alpaca_zh_demo.json", 150, 210),
    ("llama_factory_demo/alpaca_zh_demo.json", 930, 20),
    ("llama_factory_demo/alpaca_en_demo.json", 100, 100),
    ("alpaca_chinese_carbonz0/zh-data-part-00.json", 1400, 100),
    ("codealpaca/code_alpaca_2k.json", 0, 100),
    ("alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json", 3550, 50),
    ("alpaca_data_cleaned/gsm_8k_train.json", 0, 50),
)
LANG_COLUMNS = ("instruction", "input", "response", "messages")


def _frame(tmp_path: Path) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for name, first, count in SAMPLE:
        data = json.loads(shared_path(*name.split("/")).read_text(encoding="utf-8"))
        rows.extend(data[first : first + count])
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return read_corpus([path]).records


def stage_outputs(tmp_path: Path) -> dict[str, Any]:
    """What the stage decided on the sample: counts per field and reason, detector stats, and a digest of
    every language and purity value (floats by their exact repr)."""
    problems = Problems("rules/default.yaml")
    raw = read_merged(ROOT / "rules" / "default.yaml", problems) or {}
    config = parse_language(raw.get("language"), "language", problems)
    ctx = StageContext(cache_dir=tmp_path / "cache")
    out = language_stage(_frame(tmp_path), {"language": config}, ctx)
    columns = [f"lang.{f}" for f in LANG_COLUMNS] + [f"lang_purity.{f}" for f in LANG_COLUMNS]
    digest = hashlib.blake2b(digest_size=12)
    for row in out.select(columns).iter_rows():
        digest.update(repr(row).encode())
    stats = ctx.stats["language"]
    return {
        "rows": out.height,
        "languages": stats["languages"],
        "dropped": stats["dropped"],
        "failed_by_field": stats["failed_by_field"],
        "code_not_measured": stats["code_not_measured"],
        "detector": {k: v for k, v in stats["detector"].items() if k not in ("version", "candidates")},
        "drop_reasons": dict(sorted(out["drop_reason"].drop_nulls().value_counts().iter_rows())),
        "flagged": dict(sorted(out["flagged_rules"].explode().drop_nulls().value_counts().iter_rows())),
        "digest": digest.hexdigest(),
    }


def test_stage_outputs_on_real_rows_are_pinned(tmp_path: Path) -> None:
    assert stage_outputs(tmp_path) == PINNED


PINNED: dict[str, Any] = {
    "rows": 630,
    "languages": {
        "instruction": {"zh": 330, "en": 300},
        "input": {"zh": 73, "en": 37, "und": 22, "pt": 1},
        "response": {"zh": 314, "en": 198, "und": 3, "pt": 1, "it": 1},
        "system": {},
        "messages": {"zh": 645, "en": 508, "und": 3, "pt": 1, "it": 1},
    },
    "dropped": {"language_not_allowed": 0, "language_impure": 0, "language_mismatch": 0},
    "failed_by_field": {
        "language_not_allowed": {"instruction": 0},
        "language_impure": {"response": 2},
        "language_mismatch": {"row": 8},
    },
    "code_not_measured": {"instruction": 0, "input": 31, "response": 113, "system": 0},
    "detector": {
        "texts": 2684,
        "unique_texts": 1412,
        "settled_by_script": 1000,
        "langdetect_texts": 279,
        "cache_hits": 0,
        "code_texts": 133,
        "cache_entries": 279,
    },
    "drop_reasons": {},
    "flagged": {"language_impure": 2, "language_mismatch": 8},
    "digest": "35420852e4a251389bff4445",
}
