"""Word evidence for the detector: unigram log-likelihoods from wordfreq's per-language word lists.

langdetect's profiles count character 1-3-grams from Wikipedia; a short sentence gives them a handful of
grams, and Wikipedia's n-grams miss everyday words ("Так ему и надо!" scores as Macedonian). What decides such
a sentence is its words: "ему", "надо" are among the most frequent Russian words and rare or absent elsewhere.
This module adds that evidence from wordfreq (Robyn Speer et al., MIT code; data CC-BY-SA 4.0 from
Wikipedia, subtitles, news, books, web text, Twitter and Reddit): its "small" list per language, every word
with a frequency of at least 1e-6 (zipf 3), the same cut for every language.

Per word w and language L the score is log(1 + f_L(w) / FLOOR): the naive Bayes log-likelihood of w under
a unigram model smoothed by adding FLOOR, minus the constant every language shares for an unknown word, so
a word no list knows adds exactly 0 (as an unknown n-gram does in winnow.curation.language.profiles). FLOOR is the
lists' own cut: a word missing from a list is rarer than 1e-6 there.

Words are wordfreq's own tokens (wordfreq.tokenize with no language: NFC, case-folded, elisions split,
punctuation dropped), the way its lists were counted. A word counts only when it is written in the script
of a candidate (Latin words in a Chinese text are names and units) and has no digit; languages written
without spaces (zh, ja, th) get no word evidence, as their lists were segmented by jieba and MeCab.

Afrikaans, which wordfreq has no list for, reads Dutch's: it grew out of Dutch and most of its words are
Dutch words, so the words say "Dutch or Afrikaans" and the n-grams tell which. (Given the best listed score
instead, it won every tie with English on the n-grams of short English texts: 46 of 13,300 English-heavy
instruction-corpus texts came out af.) Any other language langdetect knows but wordfreq has no list for (cy,
et, so, sq, sw, mr, ne, …) gets, per text, the best word score of the listed candidates less UNLISTED_PENALTY
for every word some list knows: the words say little for or against it, and it competes on n-grams with the
language the words favour most, but no longer wins a tie with it on a short text ("Tell me more." was sq,
"Yes, go on." cy).

A text's score is the sum over its tokens in text order (winnow.curation.language.segments), so the same text gives
the same bits in any batch.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import Final

import numpy as np
import regex

from winnow.curation.language.scripts import GROUP_LANGUAGES
from winnow.curation.language.segments import index_items, segment_sums
from winnow.curation.language.tokens import list_files, tokenize
from winnow.curation.language.word_table import word_table

_CAPITALS: Final = regex.compile(r"\b\p{Lu}{2,4}\b")  # two to four capitals: the length of acronyms
_WORDS: Final = regex.compile(r"\b\p{L}+\b")
WORDLIST: Final = "small"  # every word with frequency >= 1e-6, for 42 languages
FLOOR: Final = 1e-6  # additive smoothing = the lists' cut
# Per word some list knows, how much less a language without a list is assumed to know it (in the units of
# a word's score, before WORD_WEIGHT). Chosen on lingua_langid's 66 languages other than the nine,
# like WORD_WEIGHT: the best mean accuracy over the three granularities among 0, 0.125 … 2 that leaves
# every granularity of those 66 no worse than 0 (0.25; 0.5-0.75 score higher on that mean but cost the
# 66 sentences, and Estonian sentences fall from 99.6% to 94-88%).
UNLISTED_PENALTY: Final = 0.25
# winnow/langdetect code → wordfreq list where the names differ (wordfreq's "sh" is Serbo-Croatian), and
# Afrikaans → Dutch, its parent language (see the module doc).
_LIST_NAMES: Final[dict[str, str]] = {"no": "nb", "tl": "fil", "hr": "sh", "af": "nl"}
# The script each language writes its words in (the first word of a letter's Unicode name: LATIN, CYRILLIC,
# …), from the script table. Han, kana and Thai are written without spaces: wordfreq cut their lists into
# words with jieba or MeCab, which a plain tokenizer cannot reproduce ("位" is a word in MeCab's Japanese, a
# character inside words in jieba's Chinese), so zh, ja and th have no word script and no word evidence.
_WORD_SCRIPTS: Final[dict[str, str]] = {
    lang: group.upper()
    for group, langs in GROUP_LANGUAGES.items()
    if group not in ("han", "kana", "thai")
    for lang in langs
}


def list_name(code: str) -> str | None:
    """wordfreq's list for an ISO 639-1 code, or None when it has none."""
    name = _LIST_NAMES.get(code, code)
    return name if name in _available() else None


@functools.cache
def _available() -> frozenset[str]:
    return frozenset(list_files(WORDLIST))


@functools.cache
def frequencies(name: str) -> dict[str, float]:
    """One wordfreq list, word → frequency, read once (the detector reads them through word_table)."""
    from wordfreq import (
        get_frequency_dict,  # imported where needed: ~0.1 CPU-s (winnow.curation.language.tokens)
    )

    return get_frequency_dict(name, WORDLIST)


def text_tokens(text: str) -> list[str]:
    """wordfreq's tokens of `text` (no language, so no segmenter), without the acronyms of a mixed-case text.

    An all-capitals word ("AI", "NASA") in a text written in lower case is a name or an acronym, and its
    lower-case form may be a common word of another language ("ai" is Romanian for "you have"); langdetect
    skips such words' n-grams for the same reason. In a text mostly in capitals they are its words.
    """
    capitals = _CAPITALS.findall(text)
    if capitals and 2 * len(capitals) < len(_WORDS.findall(text)):
        text = _CAPITALS.sub(" ", text)
    return tokenize(text)  # wordfreq.tokenize(text, "und")


def token_script(token: str) -> str | None:
    """The script of a word (LATIN, CYRILLIC, …: its first letter's); None for a token with a digit."""
    if any(ch.isdigit() for ch in token):
        return None  # "7c", "h2o": codes and numbers, not words
    letter = next((ch for ch in token if ch.isalpha()), None)
    return None if letter is None else unicodedata.name(letter, "?").split(" ")[0]


def word_scores(texts: Sequence[str], codes: Sequence[str]) -> np.ndarray:
    """texts × codes: each text's summed word log-likelihoods per candidate code (float64); codes without
    a list get, per text, the maximum over the listed ones less UNLISTED_PENALTY per known word (0 when
    none is listed)."""
    scores = np.zeros((len(texts), len(codes)), dtype=np.float64)
    listed = [(column, name) for column, code in enumerate(codes) if (name := list_name(code))]
    if not listed or not texts:
        return scores
    tokens, occurrences, tokens_per_text = index_items(texts, text_tokens)
    # A word counts only in a script some candidate writes its words in: the Latin words of a Chinese text
    # ("cm", "D 大调") are units and names, not evidence for Japanese over Chinese.
    scripts = {_WORD_SCRIPTS[code] for code in codes if code in _WORD_SCRIPTS}
    distinct = [token if token_script(token) in scripts else "" for token in tokens]
    # frequencies(name)[token] for every listed language, 0.0 where absent (one prebuilt table: word_table)
    freq = word_table().frequencies(distinct, [name for _, name in listed])
    per_token = np.log1p(freq / FLOOR)
    has_tokens = tokens_per_text > 0
    if has_tokens.any():
        # one more column: 1 where some listed language knows the token
        known = (per_token.max(axis=1, initial=0.0) > 0).astype(np.float64)[:, None]
        sums = segment_sums(
            np.concatenate([per_token, known], axis=1), occurrences, tokens_per_text[has_tokens]
        )
        sums, known_words = sums[:, :-1], sums[:, -1:]
        columns = np.array([column for column, _ in listed], dtype=np.intp)
        scores[np.ix_(has_tokens, columns)] = sums
        without_list = np.ones(len(codes), dtype=bool)
        without_list[columns] = False
        unlisted = np.flatnonzero(without_list)  # np.setdiff1d's answer, without importing numpy.ma
        if unlisted.size:
            best = sums.max(axis=1, keepdims=True)
            scores[np.ix_(has_tokens, unlisted)] = best - UNLISTED_PENALTY * known_words
    return scores
