"""langdetect: seeded answers repeat, in one process or several, and candidates bound the answer."""

from __future__ import annotations

import json

from curate.language.detect import PARALLEL_MIN, detect_many, detect_one
from tests.conftest import shared_path


def test_candidates_bound_the_answer() -> None:
    assert detect_one("東京", ("zh", "ja")) in {"zh", "ja"}
    assert detect_one("Hello there, my friend", ("de", "fr")) in {"de", "fr"}
    assert detect_one("1234 !!!", ()) == "und"


def test_answers_repeat_across_runs_and_worker_counts() -> None:
    path = shared_path("lingua_langid", "lingua_langid_dev.jsonl")
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    texts = [
        r["text"] for r in rows if r["granularity"] == "word_pair" and r["lang"] in ("en", "de", "fr", "es")
    ]
    items = [(text, ()) for text in texts[: PARALLEL_MIN + 20]]
    one = detect_many(items, workers=1)
    assert detect_many(items, workers=1) == one
    assert detect_many(items, workers=2) == one  # above PARALLEL_MIN: worker processes
