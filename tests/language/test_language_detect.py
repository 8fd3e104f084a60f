"""The n-gram detector: exact answers on zh/en/mixed rows, the exact naive Bayes sum, determinism in any
batch and order, candidates, and text with nothing to go on."""

from __future__ import annotations

import functools
import json
import math
import random

import numpy as np
import pytest
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

from tests.conftest import shared_path
from winnow.curation.language import bayes, segments
from winnow.curation.language.bayes import candidate_table, detect_texts
from winnow.curation.language.detect import BATCH, DETECTOR_VERSION, detect_many, detect_one

LATIN = ("en", "de", "fr", "es", "it", "pt", "nl")


def test_zh_en_and_mixed_rows() -> None:
    items = [
        ("请把下面这句话翻译成英文", ("zh", "ja")),
        ("北京", ("zh", "ja")),
        ("東京の天気", ("zh", "ja")),
        ("Write a short poem about the sea.", LATIN),
        ("Der schnelle braune Fuchs springt über den faulen Hund", LATIN),
        ("Bonjour tout le monde, comment allez-vous ?", LATIN),
        ("¿Dónde está la biblioteca?", LATIN),
        # mostly Han with a product name: langdetect drops the Latin letters, the Han decides
        ("我最喜欢的编程语言是 Python，因为它简单", ("zh", "ja")),
    ]
    assert detect_many(items) == ["zh", "zh", "ja", "en", "de", "fr", "es", "zh"]


def test_candidates_bound_the_answer() -> None:
    assert detect_one("Hello there, my friend", ("de", "fr")) in {"de", "fr"}
    assert detect_one("東京", ("zh", "ja")) in {"zh", "ja"}
    assert detect_one("Я не знаю, что сказать.", ("ru", "uk", "bg", "mk")) == "ru"
    # langdetect's Wikipedia profiles lack colloquial Russian trigrams ("адо" of "надо"): by n-grams alone
    # this chat line is Macedonian; the word lists ("ему", "надо") make it Russian.
    assert detect_one("Так ему и надо!", ("ru", "uk", "bg", "mk")) == "ru"
    assert detect_one("Hello there", ("xx",)) == "und"  # no profile for any candidate


def test_nothing_to_go_on_is_und() -> None:
    texts = ["", "   ", "1234 567", "!!! ???", "😀😀🎉", "12:30 — 14:00"]
    assert detect_texts(texts) == ["und"] * len(texts)
    assert detect_many([]) == []


@functools.cache
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def _reference(text: str) -> str:
    """The naive Bayes answer computed independently, from langdetect's own factory and n-gram extractor:
    argmax over languages of the sum of log(P(gram | lang) + alpha / BASE_FREQ), zh-cn and zh-tw added."""
    factory = _factory()
    detector = Detector(factory)
    detector.append(text)
    detector.cleaning_text()
    grams = detector._extract_ngrams()
    if not grams:
        return "und"
    smoothing = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
    totals = [0.0] * len(factory.langlist)
    for gram in grams:
        probs = factory.word_lang_prob_map[gram]
        for i, p in enumerate(probs):
            totals[i] += math.log(p + smoothing)
    by_code: dict[str, float] = {}
    for name, total in zip(factory.langlist, totals, strict=True):
        code = "zh" if name.startswith("zh-") else name
        by_code[code] = (
            total if code not in by_code else float(math.log(math.exp(by_code[code] - total) + 1) + total)
        )
    return max(sorted(by_code), key=lambda code: by_code[code])


def _lingua(granularity: str, step: int) -> list[str]:
    path = shared_path("lingua_langid", "lingua_langid_dev.jsonl")
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [r["text"] for r in rows if r["granularity"] == granularity][::step]


def test_ngrams_alone_are_the_exact_naive_bayes_sum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        bayes, "WORD_WEIGHT", 0.0
    )  # the n-gram part alone (the word part: test_language_words)
    assert detect_one("Так ему и надо!", ("ru", "uk", "bg", "mk")) == "mk"
    texts = _lingua("sentence", 150) + _lingua("word_pair", 300)
    assert len(texts) > 300
    ours = detect_texts(texts)
    reference = [_reference(text) for text in texts]
    assert ours == reference


def test_answers_repeat_in_any_batch_and_order() -> None:
    texts = _lingua("word_pair", 40)[:1500]
    first = detect_texts(texts)
    assert detect_texts(texts) == first
    order = list(range(len(texts)))
    random.Random(7).shuffle(order)
    shuffled = detect_texts([texts[i] for i in order])
    assert [shuffled[order.index(i)] for i in range(len(texts))] == first
    assert [detect_one(text) for text in texts[:200]] == first[:200]  # alone = in a batch
    # batches split by BATCH give the same answers as one call
    assert detect_many([(t, ()) for t in texts] * (BATCH // len(texts) + 1))[: len(texts)] == first


def test_zh_merges_both_chinese_profiles() -> None:
    table = candidate_table(("ja", "zh"))
    assert table is not None
    assert table.codes == ("ja", "zh")
    assert len(table.columns) == 3  # ja, zh-cn, zh-tw


def test_version_names_the_profiles_and_the_scoring() -> None:
    assert DETECTOR_VERSION.startswith("langdetect-")
    assert "bayes" in DETECTOR_VERSION


def test_segment_sums_match_a_plain_loop_across_gather_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments, "GATHER_ROWS", 5)  # slices of at most 5 rows, one segment longer than that
    values = np.arange(24, dtype=np.float32).reshape(12, 2) / 7
    rows = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3], dtype=np.intp)
    lengths = np.array([2, 1, 7, 3, 3], dtype=np.int64)
    sums = segments.segment_sums(values, rows, lengths)
    start = 0
    for segment, length in enumerate(lengths.tolist()):
        expected = values[rows[start : start + length]].astype(np.float64).sum(axis=0)
        assert sums[segment] == pytest.approx(expected)
        start += length
