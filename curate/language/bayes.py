"""Naive Bayes over langdetect's profiles, every n-gram of every text at once: deterministic and batched.

langdetect estimates the same posterior by sampling: 7 trials, each drawing n-grams at random (with
replacement) and multiplying P(gram | language) + alpha / BASE_FREQ into a probability vector until one
language passes 0.99999, all in Python, one text at a time. The expectation it samples is the naive Bayes
sum over all of the text's n-grams; this module computes that sum exactly, with langdetect's own profiles,
normalisation and smoothing (winnow.curation.language.profiles), so an answer is a function of (text, candidates)
alone: no seed, no trial count, no dependence on the batch or the order of texts in it.

A batch is scored word by word: texts repeat their words, so each distinct word's n-grams are looked up
and summed once (one float64 vector over the candidate profiles), and a text's score is the sum of its
words' vectors, in text order (winnow.curation.language.segments: the same text gives the same bits in any batch). Candidates select profile columns; zh is the log-sum of zh-cn and zh-tw, as
langdetect's probabilities add. A text with no n-gram any candidate profile knows is "und".

To the n-gram sum each language adds WORD_WEIGHT × its word log-likelihood (winnow.curation.language.words: wordfreq's
word lists), which decides the short sentences the n-grams get wrong ("Так ему и надо!" → ru, not mk).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from winnow.curation.language.profiles import load_profiles, word_grams, word_keys
from winnow.curation.language.segments import index_items, segment_sums
from winnow.curation.language.words import word_scores

# ISO 639-1 (winnow) → langdetect profile names; langdetect splits Chinese by script variant.
PROFILE_NAMES: Final[dict[str, tuple[str, ...]]] = {"zh": ("zh-cn", "zh-tw")}
# Weight of the word model (winnow.curation.language.words) against the n-gram sum. Chosen on lingua_langid's dev
# half, on the 66 languages that are NOT the nine benchmark languages: the best mean accuracy over
# sentence, word_pair and single_word among 0, 0.25 … 1000 (a plateau from 8 to 16; bench/results/langid.md).
WORD_WEIGHT: Final = 12.0


def _code(profile: str) -> str:
    return "zh" if profile.startswith("zh-") else profile


@dataclass(frozen=True)
class CandidateTable:
    """The profile columns of one candidate list: `codes` (ISO 639-1, sorted), `columns` (indices into the
    profiles' columns), `code_of` (column → code index)."""

    codes: tuple[str, ...]
    columns: np.ndarray
    code_of: np.ndarray


@functools.lru_cache(maxsize=32)
def candidate_table(candidates: tuple[str, ...]) -> CandidateTable | None:
    """Columns for `candidates` (every profile when empty); None when langdetect has no profile for any."""
    profiles = load_profiles()
    wanted = {name for lang in candidates for name in PROFILE_NAMES.get(lang, (lang,))}
    columns = [i for i, name in enumerate(profiles.names) if not candidates or name in wanted]
    if not columns:
        return None
    names = [profiles.names[i] for i in columns]
    codes = tuple(sorted({_code(name) for name in names}))
    return CandidateTable(
        codes=codes,
        columns=np.array(columns, dtype=np.intp),
        code_of=np.array([codes.index(_code(name)) for name in names], dtype=np.intp),
    )


def _gram_values(rows: np.ndarray, table: CandidateTable) -> np.ndarray:
    """float32 rows × (candidate columns + 1): the profiles' weights of n-gram `rows` in the candidate
    columns, and 1 where some candidate profile knows the n-gram (the known-gram count rides along as one
    more column). Only the rows a batch uses are read from the table."""
    weights = np.asarray(load_profiles().weights[rows][:, table.columns])
    known = np.asarray(weights.any(axis=1))
    return np.concatenate([weights, known[:, None].astype(np.float32)], axis=1)


def _scores(texts: Sequence[str], table: CandidateTable) -> tuple[np.ndarray, np.ndarray]:
    """(texts × profile columns log-likelihoods, texts × known n-gram counts)."""
    vocab = load_profiles().vocab
    words, occurrences, words_per_text = index_items(texts, word_keys)
    gram_lists = [word_grams(key, vocab) for key in words]
    grams_per_word = np.fromiter((len(g) for g in gram_lists), dtype=np.int64, count=len(gram_lists))
    gram_rows = np.fromiter(
        (row for g in gram_lists for row in g), dtype=np.intp, count=int(grams_per_word.sum())
    )
    n_columns = len(table.columns)
    per_word = np.zeros((len(gram_lists), n_columns + 1), dtype=np.float64)
    has_grams = grams_per_word > 0
    if has_grams.any():
        used, position = np.unique(gram_rows, return_inverse=True)
        per_word[has_grams] = segment_sums(_gram_values(used, table), position, grams_per_word[has_grams])
    text_scores = np.zeros((len(texts), n_columns + 1), dtype=np.float64)
    has_words = words_per_text > 0
    if has_words.any():
        text_scores[has_words] = segment_sums(per_word, occurrences, words_per_text[has_words])
    return text_scores[:, :n_columns], text_scores[:, n_columns]


def detect_texts(texts: Sequence[str], candidates: tuple[str, ...] = ()) -> list[str]:
    """ISO 639-1 code per text among `candidates` (every profile when empty); "und" with nothing to go on."""
    table = candidate_table(tuple(sorted(set(candidates))))
    if table is None or not texts:
        return ["und"] * len(texts)
    scores, known = _scores(texts, table)
    by_code = np.full((len(texts), len(table.codes)), -np.inf)
    for column, code in enumerate(table.code_of):
        by_code[:, code] = np.logaddexp(by_code[:, code], scores[:, column])
    by_code += WORD_WEIGHT * word_scores(texts, table.codes)
    best = by_code.argmax(axis=1)  # first maximum: ties go to the code first in sorted order
    return [table.codes[b] if k > 0 else "und" for b, k in zip(best.tolist(), known.tolist(), strict=True)]


def detect_many(items: Sequence[tuple[str, tuple[str, ...]]]) -> list[str]:
    """Answers for (text, candidates) items, in order; texts sharing a candidate list are scored together."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, (_, candidates) in enumerate(items):
        groups.setdefault(candidates, []).append(i)
    answers = ["und"] * len(items)
    for candidates, indices in groups.items():
        for i, answer in zip(indices, detect_texts([items[i][0] for i in indices], candidates), strict=True):
            answers[i] = answer
    return answers
