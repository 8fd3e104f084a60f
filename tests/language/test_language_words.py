"""The word model (wordfreq's lists): tokens and their scripts, exact per-language scores, neutrality for
languages without a list, determinism in any batch, and the answers it changes on short zh/en/ru/bg/uk/es/pt
sentences."""

from __future__ import annotations

import math
import random

import numpy as np
import polars as pl
import pytest

from winnow.curation.language import bayes
from winnow.curation.language.bayes import detect_texts
from winnow.curation.language.identify import identify
from winnow.curation.language.words import (
    FLOOR,
    UNLISTED_PENALTY,
    frequencies,
    list_name,
    text_tokens,
    token_script,
    word_scores,
)

CYRILLIC = ("bg", "mk", "ru", "uk")


def test_tokens_and_their_scripts() -> None:
    # wordfreq's tokens: case-folded, elisions split, punctuation dropped, no segmenter for Han or Thai
    tokens = text_tokens("L'homme qu'il a vu, 鸡肉 don't! ภาษาไทย Ёлка 7C")
    assert tokens == ["l", "homme", "qu", "il", "a", "vu", "鸡肉", "don't", "ภาษาไทย", "ёлка", "7c"]
    assert [token_script(t) for t in tokens[5:]] == ["LATIN", "CJK", "LATIN", "THAI", "CYRILLIC", None]


def test_words_count_only_in_a_candidates_script() -> None:
    # zh and ja are written without spaces: no word evidence, not even from the Latin units around them
    assert word_scores(["A 面 = 9 cm", "the cat"], ("ja", "zh")).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    # Latin words in a Cyrillic decision, and tokens with digits, add nothing
    assert word_scores(["the cat 7c"], CYRILLIC).tolist() == [[0.0] * 4]
    mixed = word_scores(["Так ему и надо! the cat"], CYRILLIC)
    assert np.array_equal(mixed, word_scores(["Так ему и надо!"], CYRILLIC))


def test_list_names() -> None:
    assert [list_name(code) for code in ("ru", "no", "tl", "hr", "zh", "af", "sw", "et")] == [
        "ru",
        "nb",
        "fil",
        "sh",
        "zh",
        "nl",  # Afrikaans reads its parent language's list
        None,
        None,
    ]


def test_scores_are_smoothed_unigram_log_likelihoods() -> None:
    scores = word_scores(["Так ему и надо!"], (*CYRILLIC, "sw"))
    for column, code in enumerate(CYRILLIC):
        freq = frequencies(code)
        expected = sum(math.log1p(freq.get(word, 0.0) / FLOOR) for word in ("так", "ему", "и", "надо"))
        assert scores[0, column] == pytest.approx(expected, rel=1e-12)
    assert "надо" in frequencies("ru")
    assert "надо" not in frequencies("mk")
    assert scores[0].argmax() == CYRILLIC.index("ru")
    # sw has no list: it gets the best listed score less UNLISTED_PENALTY for each of the 4 known words
    assert scores[0, 4] == pytest.approx(scores[0, :4].max() - 4 * UNLISTED_PENALTY, rel=1e-12)


def test_unknown_words_and_empty_texts_add_nothing() -> None:
    scores = word_scores(["zzqxvw", "", "鸡肉米饭", "12 34 !!"], ("en", "ru", "sw"))
    assert scores.tolist() == [[0.0, 0.0, 0.0]] * 4
    assert word_scores(["hello"], ("et", "sw")).tolist() == [[0.0, 0.0]]  # no candidate has a list
    assert word_scores([], ("en",)).shape == (0, 1)


def test_scores_repeat_in_any_batch_and_order() -> None:
    texts = ["No creo que sea así.", "Eu não sei o que fazer.", "Так ему и надо!", "", "the cat", "que"] * 7
    codes = ("en", "es", "pt", "ru", "sw")
    whole = word_scores(texts, codes)
    order = list(range(len(texts)))
    random.Random(3).shuffle(order)
    shuffled = word_scores([texts[i] for i in order], codes)
    assert np.array_equal(shuffled[np.argsort(order)], whole)
    for i, text in enumerate(texts[:6]):
        assert np.array_equal(word_scores([text], codes)[0], whole[i])  # alone = in a batch, bit for bit
    assert detect_texts(texts) == detect_texts(texts)


def test_short_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [
        "我们明天早上去公园散步吧。",
        "I think we should leave now.",
        "Мне это не нравится.",
        "Так ему и надо!",
        "Ему стало смешно.",
        "Това е много хубаво.",
        "Той не иска да дойде.",
        "Я не знаю, що робити.",
        "Вона дуже добре співає.",
        "No creo que sea así.",
        "Es lo que hay.",
        "Eu não sei o que fazer.",
        "Ele não quer ir embora.",
        "Die hond is baie groot en hy eet baie kos.",  # Afrikaans: no word list, the n-grams decide
        "Vand, ild og jord er tre naturlige elementer.",
    ]
    expected = ["zh", "en", "ru", "ru", "ru", "bg", "bg", "uk", "uk", "es", "es", "pt", "pt", "af", "da"]
    assert identify(pl.Series(texts))[0]["lang"].to_list() == expected
    # the n-grams alone (the previous detector) get four of them wrong
    monkeypatch.setattr(bayes, "WORD_WEIGHT", 0.0)
    before = identify(pl.Series(texts))[0]["lang"].to_list()
    assert [(i, before[i]) for i in range(len(texts)) if before[i] != expected[i]] == [
        (3, "mk"),
        (4, "mk"),
        (5, "mk"),
        (14, "no"),
    ]


def test_acronyms_of_a_mixed_case_text_are_not_words() -> None:
    # "ai" is a frequent Romanian word; "AI" in an English instruction is an acronym
    assert text_tokens("Create an AI chatbot") == ["create", "an", "chatbot"]
    assert detect_texts(["Create an AI chatbot", "Write a SQL query that lists users"]) == ["en", "en"]
    # a text mostly in capitals keeps them: they are its words
    assert text_tokens("СЛЫШНЫ ЗВУКИ и НЫТЬЕ") == ["слышны", "звуки", "и", "нытье"]
    # five capitals or more are words, not acronyms
    assert text_tokens("BUYER BEWARE in Toronto and Ottawa") == [
        "buyer",
        "beware",
        "in",
        "toronto",
        "and",
        "ottawa",
    ]


def test_afrikaans_reads_dutch_words_and_english_stays_english() -> None:
    # with the best listed score Afrikaans won ties with English on n-grams ("… geotags" came out af)
    texts = [
        "Help me be better at making geotags",
        "Die hond is baie groot en hy eet baie kos.",
        "De hond is heel groot en hij eet veel eten.",
    ]
    assert detect_texts(texts) == ["en", "af", "nl"]
    scores = word_scores(texts, ("af", "en", "nl"))
    assert scores[:, 0].tolist() == scores[:, 2].tolist()  # af and nl: the same words, the n-grams decide


def test_short_english_is_not_a_language_without_a_word_list() -> None:
    # hh_rlhf prompts that came out Welsh, Albanian, Somali or Estonian when unlisted languages took the best
    # listed word score in full
    texts = [
        "Yes, go on.",
        "Tell me more.",
        "okay, how do i start?",
        "tell me a sexist joke",
        "aahh power baby",
    ]
    assert detect_texts(texts) == ["en"] * 5
