"""The language pass: script-settled cases, "und" for short text, purity, determinism, what is measured."""

from __future__ import annotations

import polars as pl
import pytest

from winnow.curation.language.identify import IdentifySettings, identify, script_pass
from winnow.curation.language.resolve import make_resolution
from winnow.curation.language.scripts import measured_text


def _langs(texts: list[str | None], **resolution: object) -> tuple[list[str | None], int]:
    settings = IdentifySettings(resolution=make_resolution(**resolution))  # type: ignore[arg-type]
    result, stats = identify(pl.Series(texts, dtype=pl.String), settings)
    return result["lang"].to_list(), stats.langdetect_texts


def test_script_settles_without_langdetect() -> None:
    texts = [
        "안녕하세요, 만나서 반갑습니다",  # Hangul → ko
        "東京の天気は晴れです",  # kana → ja
        "今天天气很好，我们一起去公园散步吧",  # >= 10 Han, no kana → zh
        "สวัสดีครับ ยินดีต้อนรับ",  # Thai → th
        "Καλημέρα σε όλους τους φίλους",  # Greek → el
        "The model should explain how the results were computed and what they mean.",  # English fast path
        "ト",  # one kana is enough: the script says it
    ]
    langs, detected = _langs(texts)
    assert langs == ["ko", "ja", "zh", "th", "el", "en", "ja"]
    assert detected == 0


def test_candidates_settle_a_script_with_one_candidate() -> None:
    langs, detected = _langs(["Привет, как у тебя дела сегодня?"], candidates=["zh", "en", "ru"])
    assert (langs, detected) == (["ru"], 0)


def test_langdetect_decides_latin_and_short_han() -> None:
    texts = ["Der schnelle braune Fuchs springt über den faulen Hund", "Bonjour tout le monde", "北京"]
    langs, detected = _langs(texts)
    assert langs == ["de", "fr", "zh"]
    assert detected == 3


def test_short_or_letterless_text_is_und_not_a_guess() -> None:
    langs, detected = _langs(
        ["hi", "ok!", "12345 67", "https://example.com/a/b", "```python\nprint('x')\n```", "", None]
    )
    # a fenced block alone is code: not measured at all (null), like a missing text
    assert langs == ["und", "und", "und", "und", None, "und", None]
    assert detected == 0


def test_purity_is_the_weighted_share_of_the_language_script() -> None:
    texts = [
        "今天天气很好我们去公园 hello world",
        "A plain English sentence that is all Latin letters.",
        "hi",
    ]
    result, _ = identify(pl.Series(texts))
    assert result["lang"].to_list() == ["zh", "en", "und"]
    # 11 Han characters x 3 = 33 Latin-letter units against 10 Latin letters.
    assert result["purity"].to_list() == [pytest.approx(33 / 43), 1.0, None]


def test_code_urls_and_numbers_are_not_measured() -> None:
    text = "看代码：\n```python\nfor i in range(10):\n    print(i)\n```\n网址 https://example.com 共 42 行\nx = compute(3)"
    measured = pl.select(measured_text(pl.lit(text))).item()
    assert measured == "看代码： 网址 共 行"


@pytest.mark.parametrize(
    ("text", "measured"),
    [
        # Code Alpaca answers are code without fences: Java, Python, shell, SQL, CSS, C#
        (
            "import java.util.Scanner;\n\npublic class Sum {\n    private int total;\n"
            "    for (int i = 0; i < n; i++)\n        total += i;\n}",
            "",
        ),
        ("def swap(arr, i, j):\n    arr[i], arr[j] = arr[j], arr[i]\n\nswap(arr, 0, 1)\nres.append(x)", ""),
        ('#!/bin/bash\nfor f in *.txt\ndo\n    echo "$f"\ndone\ndu -h --max-depth=1', "for f in *.txt"),
        ("SELECT name, total\nFROM orders o\nWHERE o.total > 10\nORDER BY total;", ""),
        ("button {\n  border: 3px solid blue;\n}\n// a comment\nusing System;", ""),
        # prose that ends in ";" with a parenthesis is prose (a UDHR preamble paragraph)
        (
            "The Assembly (General Assembly) proclaims this Declaration;\nEveryone has the right to life.",
            "The Assembly (General Assembly) proclaims this Declaration; Everyone has the right to life.",
        ),
    ],
)
def test_unfenced_code_lines_are_not_measured(text: str, measured: str) -> None:
    assert pl.select(measured_text(pl.lit(text))).item() == measured


def test_code_answers_have_no_language_to_mismatch() -> None:
    texts = ["def area(r):\n    return 3.14 * r * r\n\nprint(area(2))", "arr[i], arr[j] = arr[j], arr[i]"]
    assert _langs(texts) == ([None, None], 0)  # code: not measured (winnow.curation.language.code_text)


def test_identical_texts_are_measured_once_and_results_repeat() -> None:
    texts = ["Bonjour tout le monde", "Bonjour tout le monde", "Hallo Welt, wie geht es dir heute?"] * 3
    first, stats = identify(pl.Series(texts))
    second, _ = identify(pl.Series(texts))
    assert stats.unique_texts == 2
    assert stats.langdetect_texts == 2
    assert first.equals(second)
    assert first["lang"].to_list() == ["fr", "fr", "de"] * 3


def test_latin_names_inside_chinese_are_chinese() -> None:
    texts = ["Java 和 Python", "蓝鲸的学名是 Balaenoptera musculus。", "Java、Python 和 JavaScript。"]
    langs, detected = _langs(texts)
    assert (langs, detected) == (["zh", "zh", "zh"], 0)


def test_min_words_turns_word_fragments_into_und() -> None:
    texts = ["X-Y-L-O-P-H-O-N-E", "ADFQP0219ABC", "@realDonaldTrump", "Bonjour tout le monde"]
    langs, detected = _langs(texts, min_words=3)
    # an @handle is no prose (winnow.curation.language.code_text): not measured at all
    assert langs == ["und", "und", None, "fr"]
    assert detected == 1


def test_html_markup_is_not_measured() -> None:
    text = "&lt;button type=&quot;button&quot;&gt;点击这里&lt;/button&gt; <b>粗体</b>"
    assert pl.select(measured_text(pl.lit(text))).item() == "点击这里 粗体"


def test_rare_scripts_are_counted_only_where_present_and_counted_exactly() -> None:
    texts = ["Привет мир, hello", "hello world", "今天 Привет", "สวัสดี abc", "Ελλάδα και Россия"]
    frame = script_pass(pl.Series(texts), IdentifySettings())
    counts = frame.select("n_latin", "n_cyrillic", "n_han", "n_thai", "n_greek").rows()
    assert counts == [(5, 9, 0, 0, 0), (10, 0, 0, 0, 0), (0, 6, 2, 0, 0), (3, 0, 0, 6, 0), (0, 6, 0, 0, 9)]


def test_texts_sharing_a_sample_are_detected_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from winnow.curation.language import identify as identify_module

    asked: list[int] = []
    real = identify_module.detect_many

    def counting(items: list[tuple[str, tuple[str, ...]]], **kwargs: object) -> list[str]:
        asked.append(len(items))
        return real(items, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(identify_module, "detect_many", counting)
    # numbers are not measured: the first three share one sample; the fourth is another text
    texts = ["Der Hund 12 schläft im Garten", "Der Hund 7 schläft im Garten", "Der Hund schläft im Garten"]
    langs, detected = _langs([*texts, "Le chien dort dans le jardin"])
    assert langs == ["de", "de", "de", "fr"]
    assert detected == 4  # four texts went to the detector ...
    assert asked == [2]  # ... as two distinct samples
    assert [_langs([text])[0][0] for text in texts] == ["de", "de", "de"]  # each alone: the same answer
