"""What is measured, and how much of it is in each Unicode script: Polars expressions only.

Measured text = the field with fenced and inline code, code-looking lines, HTML tags and entities, URLs,
e-mail addresses and numbers taken out (they say nothing about the language the row is written in). Letters are counted per script group.

CJK characters are weighted: one Han character carries about as much text as three Latin letters (measured on
the parallel UDHR articles in ../shared/data/udhr_langid: 3.3 English letters per Chinese character, 2.4 per
Japanese and 2.6 per Korean character), so "share of letters" compares like with like and a Chinese answer
with a few product names in English is not called impure.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from winnow.curation.language.code_text import code_free

CJK_WEIGHT: Final = 3.0

# Script group → Rust-regex class. Kana is one group (Hiragana + Katakana): both mean Japanese.
SCRIPT_CLASSES: Final[dict[str, str]] = {
    "han": r"\p{Han}",
    "kana": r"[\p{Hiragana}\p{Katakana}]",
    "hangul": r"\p{Hangul}",
    "latin": r"\p{Latin}",
    "cyrillic": r"\p{Cyrillic}",
    "arabic": r"\p{Arabic}",
    "devanagari": r"\p{Devanagari}",
    "thai": r"\p{Thai}",
    "greek": r"\p{Greek}",
    "hebrew": r"\p{Hebrew}",
    "bengali": r"\p{Bengali}",
    "gujarati": r"\p{Gujarati}",
    "gurmukhi": r"\p{Gurmukhi}",
    "kannada": r"\p{Kannada}",
    "malayalam": r"\p{Malayalam}",
    "tamil": r"\p{Tamil}",
    "telugu": r"\p{Telugu}",
    "armenian": r"\p{Armenian}",
    "georgian": r"\p{Georgian}",
}
CJK_GROUPS: Final = ("han", "kana", "hangul")
GROUPS: Final = tuple(SCRIPT_CLASSES)

# fmt: off
_LATIN_LANGUAGES: Final = (
    "af", "ca", "cs", "cy", "da", "de", "en", "es", "et", "fi", "fr", "hr", "hu", "id", "it", "lt", "lv",
    "nl", "no", "pl", "pt", "ro", "sk", "sl", "so", "sq", "sv", "sw", "tl", "tr", "vi",
)
# fmt: on

# Languages written in each script group (ISO 639-1), as far as the detector knows them. A group with one
# language settles it by script alone; the others go to langdetect with these languages as candidates.
GROUP_LANGUAGES: Final[dict[str, tuple[str, ...]]] = {
    "han": ("zh", "ja"),
    "kana": ("ja",),
    "hangul": ("ko",),
    "latin": _LATIN_LANGUAGES,
    "cyrillic": ("ru", "uk", "bg", "mk"),
    "arabic": ("ar", "fa", "ur"),
    "devanagari": ("hi", "mr", "ne"),
    "thai": ("th",),
    "greek": ("el",),
    "hebrew": ("he",),
    "bengali": ("bn",),
    "gujarati": ("gu",),
    "gurmukhi": ("pa",),
    "kannada": ("kn",),
    "malayalam": ("ml",),
    "tamil": ("ta",),
    "telugu": ("te",),
    "armenian": ("hy",),
    "georgian": ("ka",),
}
SUPPORTED_LANGUAGES: Final = tuple(sorted({lang for langs in GROUP_LANGUAGES.values() for lang in langs}))

# Script groups whose letters count as "in the language" for purity; otherwise the group that lists it.
_PURITY_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "zh": ("han",),
    "ja": ("han", "kana"),
    "ko": ("hangul", "han"),  # Korean may write Sino-Korean words in Hanja
}


def purity_groups(lang: str) -> tuple[str, ...]:
    """Script groups whose letters belong to `lang` (zh → han; ja → han + kana; en → latin)."""
    if lang in _PURITY_GROUPS:
        return _PURITY_GROUPS[lang]
    return tuple(group for group, langs in GROUP_LANGUAGES.items() if lang in langs)


def measured_text(text: pl.Expr) -> pl.Expr:
    """The field with code, URLs, e-mail addresses and numbers removed and whitespace collapsed."""
    return measured_from_code_free(code_free(text))


def measured_from_code_free(free: pl.Expr) -> pl.Expr:
    """measured_text of a text whose code is already blanked (winnow.curation.language.code_text.code_free)."""
    return collapsed_whitespace(without_markup_and_numbers(free))


def without_markup_and_numbers(free: pl.Expr) -> pl.Expr:
    """A code-free text with its HTML, URLs, e-mail addresses, numbers and runs of 40+ ASCII letters blanked."""
    return (
        free.str.replace_all("&lt;", "<", literal=True)  # escaped HTML is HTML: unescape the brackets, then
        .str.replace_all("&gt;", ">", literal=True)  # drop tags and the remaining entities (markup, not text)
        .str.replace_all(r"</?[a-zA-Z][^<>\n]{0,200}>", " ")
        .str.replace_all(r"&(?:[a-zA-Z]+|#\d+);", " ")
        .str.replace_all(r"(?i)\b(?:https?://|ftp://|www\.)\S+", " ")
        .str.replace_all(r"[\w.+-]+@[\w-]+\.[\w.]+", " ")
        .str.replace_all(r"[\p{N}_]+", " ")
        # 40+ ASCII letters in a row is no word of any language: a pattern to match ("abbabbabb…"), a hash,
        # base64; left in, it outweighs the sentence around it ("Create a regex to match …" read as Somali)
        .str.replace_all(r"(?-u:\b)[A-Za-z]{40,}(?-u:\b)", " ")
    )


def collapsed_whitespace(text: pl.Expr) -> pl.Expr:
    """Each run of whitespace one space, none at the ends."""
    return text.str.replace_all(r"\s+", " ").str.strip_chars()


# The groups a zh/en corpus is written in; every other group is counted only in texts that have a letter
# of one (one regex pass finds them), which saves 15 of the 19 passes on nearly every row.
COMMON_GROUPS: Final = ("han", "kana", "hangul", "latin")
_OTHER_SCRIPTS: Final = "[" + "".join(SCRIPT_CLASSES[g] for g in GROUPS if g not in COMMON_GROUPS) + "]"


def other_scripts(measured: pl.Expr) -> pl.Expr:
    """Characters of the groups outside COMMON_GROUPS (Cyrillic, Arabic, Thai, …), all together."""
    return measured.str.count_matches(_OTHER_SCRIPTS)


def script_counts(measured: pl.Expr, others_in: pl.Expr | None = None) -> list[pl.Expr]:
    """`n_<group>` letter counts per script group, `n_letters` (all letters), as UInt32 expressions.
    `others_in`: the text to count the groups outside COMMON_GROUPS in (default `measured`); pass one that
    is empty where other_scripts found none of them: the same counts for far less work."""
    others_in = measured if others_in is None else others_in
    counts = [
        (measured if group in COMMON_GROUPS else others_in).str.count_matches(cls).alias(f"n_{group}")
        for group, cls in SCRIPT_CLASSES.items()
    ]
    counts.append(measured.str.count_matches(r"\p{L}").alias("n_letters"))
    return counts


def weighted(group: str) -> pl.Expr:
    """Letters of one group in Latin-letter units (CJK characters count CJK_WEIGHT)."""
    column = pl.col(f"n_{group}").cast(pl.Float64)
    return column * CJK_WEIGHT if group in CJK_GROUPS else column


def weighted_letters() -> pl.Expr:
    """All letters in Latin-letter units (letters of scripts outside the table count one each)."""
    cjk = sum((pl.col(f"n_{g}").cast(pl.Float64) for g in CJK_GROUPS), pl.lit(0.0))
    return pl.col("n_letters").cast(pl.Float64) + cjk * (CJK_WEIGHT - 1.0)


def dominant_group() -> pl.Expr:
    """Name of the script group with the most weighted letters (CJK taken together, then split later)."""
    cjk_total = sum((weighted(g) for g in CJK_GROUPS), pl.lit(0.0))
    others = [g for g in GROUPS if g not in CJK_GROUPS]
    names = ["cjk", *others]
    scores = pl.concat_list([cjk_total, *(weighted(g) for g in others)])
    return scores.list.arg_max().replace_strict(list(range(len(names))), names, return_dtype=pl.String)
