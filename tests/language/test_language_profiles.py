"""langdetect's profiles and normalisation as read by winnow.curation.language.profiles: the same model, exactly."""

from __future__ import annotations

import functools
import json
import math
import os

import pytest
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.utils.ngram import NGram

from tests.conftest import shared_path
from winnow.curation.language.profiles import (
    ALPHA,
    BASE_FREQ,
    OPEN_END,
    load_profiles,
    normalize_table,
    word_grams,
    word_keys,
)


@functools.cache
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def _langdetect_ngrams(text: str) -> list[str]:
    detector = Detector(_factory())
    detector.append(text)
    detector.cleaning_text()
    return list(detector._extract_ngrams())


def _our_ngrams(text: str) -> list[str]:
    profiles = load_profiles()
    grams = list(profiles.vocab)
    return [grams[row] for key in word_keys(text) for row in word_grams(key, profiles.vocab)]


def test_every_profile_is_loaded_with_its_probabilities() -> None:
    profiles = load_profiles()
    assert len(profiles.names) == 55
    assert {"en", "zh-cn", "zh-tw", "ja", "ru", "ar"} <= set(profiles.names)
    assert profiles.weights.shape == (len(profiles.vocab), 55)
    with open(os.path.join(PROFILES_DIRECTORY, "de"), encoding="utf-8") as handle:
        german = json.load(handle)
    row, column = profiles.vocab["sch"], profiles.names.index("de")
    expected = math.log1p(german["freq"]["sch"] / german["n_words"][2] / (ALPHA / BASE_FREQ))
    assert profiles.weights[row, column] == pytest.approx(expected, rel=1e-6)
    # a gram German never has (hiragana, all normalised to あ) adds nothing for German
    assert profiles.weights[profiles.vocab["\u3042"], column] == 0.0


def test_translate_table_is_langdetects_normalize() -> None:
    table = normalize_table()
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert table.get(code, char) == NGram.normalize(char), hex(code)


def test_words_carry_langdetects_padding() -> None:
    assert word_keys("Hello, world") == ["Hello", "world" + OPEN_END]
    assert word_keys("Hello world.") == ["Hello", "world"]
    assert word_keys("") == []
    assert word_keys("1234 !!! 😀") == ["😀" + OPEN_END]  # digits and punctuation are spaces


@pytest.mark.parametrize(
    "text",
    [
        "NASA and the USA signed it",  # capitalword: grams inside an all-caps run are skipped
        "ABc DeF gHI",
        "中文abc中文 mixed",  # mostly non-Latin: Latin letters are removed
        "Xin chào các bạn",  # precomposed Vietnamese
        "Vie\u0302\u0323t Nam",  # combining marks: normalize_vi
        "see https://example.com/a?b=c or mail me@example.org now",
        "東京の天気は晴れです。カタカナ",
        "a",
        "",
        "  spaced   out\ttext\n",
    ],
)
def test_ngrams_equal_langdetects_on_edge_cases(text: str) -> None:
    assert _our_ngrams(text) == _langdetect_ngrams(text)


def test_ngrams_equal_langdetects_on_real_text() -> None:
    path = shared_path("lingua_langid", "lingua_langid_dev.jsonl")
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for _, line in zip(range(40000), handle, strict=False)]
    texts = [row["text"] for row in rows[::40]]  # 1,000 texts across languages and granularities
    assert len({row["lang"] for row in rows[::40]}) > 20
    for text in texts:
        assert _our_ngrams(text) == _langdetect_ngrams(text), text
