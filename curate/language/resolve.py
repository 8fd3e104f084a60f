"""What the script settles by itself, as a Polars expression; what it cannot goes to the n-gram detector
(winnow.curation.language.detect: langdetect's profiles, scored exactly; "langdetect" below means that detector).

Rules, in order (weighted letters: see winnow.curation.language.scripts):
  * mostly letters of scripts outside the table              → "und"
  * not CJK and fewer than `min_letters` letters             → "und" (too short to tell; no guess; one
                                                                CJK character is a syllable or a word, and
                                                                enough to go on)
  * CJK dominant, Hangul the larger part of it               → ko
  * CJK dominant, kana at least 5% of the Han characters     → ja (Japanese prose always has kana)
  * CJK dominant, >= `han_settle` (4) Han characters, no kana → zh (Japanese sentences carry kana; what
                                                                is given away: a bare kanji compound)
  * CJK dominant, shorter Han-only text                      → langdetect among {zh, ja}
  * Latin dominant, but Han present and < 6 Latin words      → zh ("Java 和 Python": names inside Chinese)
  * >= 1/3 of >= 3 words are common English words, no é/ñ/ß  → en (unmistakable English; saves langdetect)
  * fewer than `min_words` words left for langdetect         → "und"
  * any other script group with one candidate language       → that language (Thai → th, Greek → el, …)
  * otherwise                                                → langdetect among the group's candidates

`candidates` (from the rule file) narrows what the detector may answer: a group whose languages meet the
candidates in exactly one settles to it (Cyrillic → ru when ru is the only Cyrillic candidate). A group that
meets none keeps all its own languages: a candidate list says what to expect, it cannot turn Russian into
English.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from winnow.curation.language.scripts import (
    GROUP_LANGUAGES,
    GROUPS,
    dominant_group,
    weighted,
    weighted_letters,
)

# Common English words that are (nearly) no other Latin-script language's words: "a", "in", "is", "was",
# "no", "on", "an", "so", "me", "do", "for", "by", "will", "all" are left out on purpose (Dutch, German,
# Afrikaans, Spanish, Sesotho, Danish… use them). Chosen on ../shared/data/lingua_langid (75 languages):
# every non-English text this list settles as English there is English text (mislabelled or a quoted title).
# fmt: off
ENGLISH_WORDS: Final = (
    "the", "and", "of", "that", "with", "this", "are", "you", "your", "it", "be", "have", "has", "not",
    "which", "what", "how", "should", "would", "there", "their", "they", "these", "been", "were", "into",
    "to", "from", "or", "can", "does", "if", "its", "our", "my", "she", "his", "her", "them", "who", "when",
    "where", "why", "more", "most", "some", "any", "each", "other", "about", "than", "then", "only", "also",
    "just", "make", "given", "following", "write", "list", "describe", "explain", "create", "generate",
    "give", "find", "using", "provide", "identify", "sentence", "word", "words", "example", "text", "please",
    "one", "two", "three", "five", "new", "way", "between", "could", "may", "might", "must", "because",
    "while", "after", "before", "over", "under", "yes", "summarize", "name", "suggest", "classify",
    "rewrite", "design", "come", "story", "poem", "article", "question", "answer", "data", "information",
    "people", "time",
)
# fmt: on
_ENGLISH_WORDS_RE: Final = r"(?i)\b(?:" + "|".join(ENGLISH_WORDS) + r")\b"
ENGLISH_MIN_WORDS: Final = 3
ENGLISH_MIN_SHARE: Final = 0.34
MIXED_MAX_LATIN_WORDS: Final = 6


@dataclass(frozen=True)
class Resolution:
    """Resolver settings; `candidates` None = every language the detector knows."""

    candidates: frozenset[str] | None = None
    min_letters: float = 5.0
    # 4, measured: on alpaca_zh + carbonz0, langdetect called ~20 of ~10,000 short Han-only texts Japanese
    # and read, they were Chinese ("鸡肉、辣椒、大蒜"); lingua's Japanese has no kana-less text of 2+ Han.
    # What 4 gives away: a bare kanji compound ("東京大学") is called zh.
    han_settle: int = 4
    min_words: int = 1  # words a text langdetect must decide needs (1: a single word is judged)

    def group_candidates(self, group: str) -> tuple[str, ...]:
        """Languages langdetect may answer for text of this script group."""
        own = GROUP_LANGUAGES[group]
        if self.candidates is None:
            return own
        narrowed = tuple(lang for lang in own if lang in self.candidates)
        return narrowed or own

    def settled(self, group: str) -> str | None:
        """The language a group settles to by script alone, or None when langdetect must decide."""
        langs = self.group_candidates(group)
        return langs[0] if len(langs) == 1 else None

    def english_fast_path(self) -> bool:
        return "en" in self.group_candidates("latin") and len(self.group_candidates("latin")) > 1


def make_resolution(
    candidates: Collection[str] | None = None,
    min_letters: float = 5.0,
    han_settle: int = 4,
    min_words: int = 1,
) -> Resolution:
    return Resolution(
        candidates=None if candidates is None else frozenset(candidates),
        min_letters=min_letters,
        han_settle=han_settle,
        min_words=min_words,
    )


def english_word_counts(measured: pl.Expr) -> list[pl.Expr]:
    """`n_words` (runs of 2+ letters), `n_latin_words`, `n_english` (common English words) and
    `n_non_ascii_letters` of the measured text."""
    return [
        measured.str.count_matches(r"\p{L}{2,}").alias("n_words"),
        measured.str.count_matches(r"\p{Latin}+").alias("n_latin_words"),
        measured.str.count_matches(_ENGLISH_WORDS_RE).alias("n_english"),
        measured.str.count_matches(r"[\p{L}&&[^a-zA-Z]]").alias("n_non_ascii_letters"),
    ]


def _lit(value: str | None) -> pl.Expr:
    return pl.lit(value, dtype=pl.String)


def resolve_inputs() -> list[pl.Expr]:
    """Columns resolve_exprs reads besides the counts; computed once, in a step of their own (inlined,
    Polars would recompute the arg-max over every script group in each branch of the when/then chain)."""
    return [
        dominant_group().alias("dominant"),
        weighted_letters().alias("w_letters"),
        sum((weighted(g) for g in GROUPS), pl.lit(0.0)).alias("w_known"),
    ]


def resolve_exprs(resolution: Resolution) -> tuple[pl.Expr, pl.Expr]:
    """(settled language or null, script group langdetect must decide in) over the count columns and
    the resolve_inputs columns."""
    han, kana, hangul = pl.col("n_han"), pl.col("n_kana"), pl.col("n_hangul")
    dominant = pl.col("dominant")
    letters = pl.col("w_letters")
    too_short = letters < resolution.min_letters
    # Mostly letters of a script the table does not know (Ethiopic, Khmer, …): nothing here can name it.
    unknown_script = pl.col("w_known") * 2 < letters
    long_han = resolution.settled("han") or ("zh" if "zh" in resolution.group_candidates("han") else "ja")

    cjk = (
        pl.when((hangul > 0) & (hangul >= kana) & (hangul * 2 >= han))
        .then(_lit(resolution.settled("hangul")))
        .when((kana > 0) & (kana * 20 >= han))
        .then(_lit(resolution.settled("kana")))
        .when((han >= resolution.han_settle) & (kana == 0))
        .then(_lit(long_han))
        .otherwise(_lit(resolution.settled("han")))
    )
    by_group: Any = pl.when(dominant == "cjk").then(cjk)  # a when/then chain grows below
    # Chinese that names things in Latin script ("Java 和 Python", "学名是 Castor canadensis。"): a few Latin
    # words around Han characters carry no grammar of their own; the Han text is the language.
    names_in_chinese = (
        (dominant == "latin")
        & (han > 0)
        & (kana == 0)
        & (hangul == 0)
        & (pl.col("n_latin_words") < MIXED_MAX_LATIN_WORDS)
    )
    by_group = by_group.when(names_in_chinese).then(_lit(long_han))
    if resolution.english_fast_path():
        english = (
            (dominant == "latin")
            & (pl.col("n_non_ascii_letters") == 0)  # é, ñ, ß, ø…: another language's letters
            & (pl.col("n_words") >= ENGLISH_MIN_WORDS)
            & (pl.col("n_english") >= pl.col("n_words") * ENGLISH_MIN_SHARE)
        )
        by_group = by_group.when(english).then(_lit("en"))
    for name in GROUPS:
        if name not in ("han", "kana", "hangul"):
            by_group = by_group.when(dominant == name).then(_lit(resolution.settled(name)))
    settled = by_group.otherwise(_lit("und"))
    # langdetect on one or two words of a Latin-script text is a guess ("X-Y-L-O-P-H-O-N-E" → pt).
    too_few_words = settled.is_null() & (dominant != "cjk") & (pl.col("n_words") < resolution.min_words)
    lang = (
        pl.when(
            unknown_script | (weighted_letters() == 0) | (too_short & (dominant != "cjk")) | too_few_words
        )
        .then(_lit("und"))
        .otherwise(settled)
    )
    group = pl.when(dominant == "cjk").then(_lit("han")).otherwise(dominant)
    return lang, group
