"""The language pass over one Series of texts: language (ISO 639-1 or "und") and purity, in input order.

Identical texts are measured once (a corpus repeats its system prompts, inputs and stock answers). The
script pass runs as Polars expressions over the unique texts; only texts it cannot settle go to the n-gram
detector (winnow.curation.language.detect: naive Bayes over langdetect's profiles and wordfreq's word lists), on a
bounded sample (the first `sample_chars` characters of the measured text), through the cache.

A text that is code (winnow.curation.language.code_text) is not measured: null language and purity.

Purity = weighted letters in the scripts of the detected language / all weighted letters of the measured
text (see winnow.curation.language.scripts for the CJK weight). Null where the language is "und", the text null, or
the text shorter than PURITY_MIN_LETTERS.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from winnow.curation.language.cache import LanguageCache, cache_key
from winnow.curation.language.code_text import code_free, is_code
from winnow.curation.language.detect import DETECTOR_VERSION, detect_many
from winnow.curation.language.resolve import Resolution, english_word_counts, resolve_exprs, resolve_inputs
from winnow.curation.language.scripts import (
    GROUPS,
    SUPPORTED_LANGUAGES,
    measured_from_code_free,
    measured_text,
    other_scripts,
    purity_groups,
    script_counts,
    weighted,
    weighted_letters,
    without_markup_and_numbers,
)

SAMPLE_CHARS: Final = 400
# Purity needs a text long enough to have one: "Java 和 Python" is Chinese naming two things, not "23% pure".
# 40 Latin-letter units ≈ 13 Han characters or 8 English words.
PURITY_MIN_LETTERS: Final = 40.0
# distinct texts from which the measured text's whitespace and its letters per script are done by compiled
# passes (see _kernels_pay): always, and when another stage has loaded numba already
KERNELS_FROM: Final = 300_000
KERNELS_LOADED_FROM: Final = 20_000


@dataclass(frozen=True)
class IdentifySettings:
    resolution: Resolution = field(default_factory=Resolution)
    sample_chars: int = SAMPLE_CHARS


@dataclass
class IdentifyStats:
    """How the pass decided: JSON-able counts for the stage's stats."""

    texts: int = 0
    unique_texts: int = 0
    settled_by_script: int = 0
    langdetect_texts: int = 0
    cache_hits: int = 0
    code_texts: int = 0  # code: not measured, no language (winnow.curation.language.code_text)

    def add(self, other: IdentifyStats) -> None:
        names = ("texts", "unique_texts", "settled_by_script", "langdetect_texts", "cache_hits", "code_texts")
        for name in names:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _purity_expr(lang: pl.Expr, min_letters: float = PURITY_MIN_LETTERS) -> pl.Expr:
    """Over the script-count columns: weighted letters of `lang`'s scripts / all weighted letters."""
    numerator = pl.lit(0.0)
    for group in GROUPS:
        langs = [code for code in SUPPORTED_LANGUAGES if group in purity_groups(code)]
        numerator = numerator + pl.when(lang.is_in(langs)).then(weighted(group)).otherwise(0.0)
    total = weighted_letters()
    enough = (lang != "und") & (total >= min_letters) & (total > 0)
    return pl.when(enough).then(numerator / total).otherwise(None)


def letter_share(texts: pl.Series, langs: pl.Series) -> pl.Series:
    """The purity formula without the length floor: share of each text's (weighted) letters in the scripts
    of its language; null for "und" or no letters. For rules that must judge short texts too."""
    frame = pl.DataFrame({"text": texts, "lang": langs}, schema={"text": pl.String, "lang": pl.String})
    return (
        frame.with_columns(measured_text(pl.col("text")).alias("measured"))
        .with_columns(*script_counts(pl.col("measured")))
        .select(_purity_expr(pl.col("lang"), min_letters=0.0).alias("share"))
        .to_series()
    )


def _kernels_pay(texts: int) -> bool:
    """Whether the compiled passes cost less than the regexes: from KERNELS_LOADED_FROM texts when numba's
    set-up is paid already (another stage ran a kernel in this process), from KERNELS_FROM when the
    pass pays it (~0.7 CPU-s; the regexes cost ~2.7 us a text more). numba is not imported to find out."""
    if texts >= KERNELS_FROM:
        return True
    if texts < KERNELS_LOADED_FROM or "numba" not in sys.modules:
        return False
    from winnow.curation.kernels.compiled import kernel_loaded

    return kernel_loaded()


def _with_measured(unique: pl.DataFrame) -> pl.DataFrame:
    """`measured` from `__free` (measured_from_code_free), its whitespace collapsed by a compiled pass where the
    kernels pay (winnow.curation.language.whitespace_kernel: the same texts)."""
    if _kernels_pay(unique.height):
        from winnow.curation.language.whitespace_kernel import collapsed

        blanked = unique.select(without_markup_and_numbers(pl.col("__free"))).to_series()
        return unique.with_columns(collapsed(blanked).alias("measured"))
    return unique.with_columns(measured_from_code_free(pl.col("__free")).alias("measured"))


def _with_script_counts(unique: pl.DataFrame) -> pl.DataFrame:
    """`script_counts` of the measured texts: from the compiled pass on many texts (winnow.curation.language.
    script_kernel, the same counts: ~2.7 s of regex passes for 1M distinct prompts, ~1 s so), else from the
    regexes, the rarer groups only in texts that have one of their letters (one pass finds them), which spares
    a small run numba's import and set-up and the kernel's table."""
    if _kernels_pay(unique.height):
        from winnow.curation.language.script_kernel import SCRIPTS_COLUMN, script_counts_column

        return unique.with_columns(script_counts_column(pl.col("measured"))).unnest(SCRIPTS_COLUMN)
    empty = pl.lit("", dtype=pl.String)
    others_in = pl.when(other_scripts(pl.col("measured")) > 0).then(pl.col("measured")).otherwise(empty)
    return unique.with_columns(*script_counts(pl.col("measured"), others_in))


def script_pass(texts: pl.Series, settings: IdentifySettings) -> pl.DataFrame:
    """Per unique text: `text`, `code` (not measured: winnow.curation.language.code_text), `settled` (language or
    null), `group`, `sample`, and the count columns."""
    settled, group = resolve_exprs(settings.resolution)
    empty = pl.lit("", dtype=pl.String)
    return (
        pl.DataFrame({"text": texts.drop_nulls().unique(maintain_order=True)}, schema={"text": pl.String})
        .with_columns(code_free(pl.col("text")).alias("__free"))
        .pipe(_with_measured)
        .pipe(lambda unique: unique.with_columns(is_code(unique, "text", "__free", "measured")))
        .drop("__free")
        # Counting passes run on an empty string where they cannot find anything (same counts, less work):
        # the English word counts only where CJK does not dominate (the rules read them nowhere else); the
        # letters per script group as _with_script_counts says.
        .pipe(_with_script_counts)
        .with_columns(resolve_inputs())
        .with_columns(
            *english_word_counts(
                pl.when(pl.col("dominant") != "cjk").then(pl.col("measured")).otherwise(empty)
            )
        )
        .with_columns(
            settled.alias("settled"),
            group.alias("group"),
            pl.col("measured").str.slice(0, settings.sample_chars).alias("sample"),
        )
    )


def _detect(
    unsettled: pl.DataFrame,
    settings: IdentifySettings,
    cache: LanguageCache | None,
    progress: Callable[[int, int], None] | None,
    stats: IdentifyStats,
) -> list[str]:
    items = [
        (sample, settings.resolution.group_candidates(group))
        for sample, group in zip(unsettled["sample"].to_list(), unsettled["group"].to_list(), strict=True)
    ]
    keys = [cache_key(DETECTOR_VERSION, cands, sample) for sample, cands in items]
    answers: list[str | None] = [cache.get(key) if cache is not None else None for key in keys]
    todo = [i for i, answer in enumerate(answers) if answer is None]
    stats.cache_hits += len(items) - len(todo)
    # Texts that differ only in what measuring takes out (numbers, URLs, code) or after `sample_chars` share
    # one sample: each distinct (sample, candidates) is detected once (an answer depends on nothing else).
    distinct = list(dict.fromkeys(items[i] for i in todo))
    detected = dict(zip(distinct, detect_many(distinct, progress=progress), strict=True))
    for i in todo:
        lang = detected[items[i]]
        answers[i] = lang
        if cache is not None:
            cache.put(keys[i], lang)
    return [answer or "und" for answer in answers]


def identify(
    texts: pl.Series,
    settings: IdentifySettings | None = None,
    *,
    cache: LanguageCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pl.DataFrame, IdentifyStats]:
    """(frame of `lang`, `purity` in the order of `texts`, stats). A text that is code gets neither (null)."""
    settings = settings or IdentifySettings()
    stats = IdentifyStats(texts=texts.len() - texts.null_count())
    unique = script_pass(texts, settings).with_row_index("__u")
    stats.unique_texts = unique.height
    stats.code_texts = int(unique["code"].sum())
    unsettled = unique.filter(pl.col("settled").is_null() & ~pl.col("code"))
    stats.settled_by_script = unique.height - unsettled.height - stats.code_texts
    stats.langdetect_texts = unsettled.height
    detected = _detect(unsettled, settings, cache, progress, stats)
    answers = pl.DataFrame(
        {"__u": unsettled["__u"], "detected": pl.Series(detected, dtype=pl.String)},
        schema={"__u": pl.UInt32, "detected": pl.String},
    )
    resolved = (
        unique.join(answers, on="__u", how="left")
        .with_columns(
            pl.when(pl.col("code")).then(None).otherwise(pl.coalesce("settled", "detected")).alias("lang")
        )
        .with_columns(_purity_expr(pl.col("lang")).alias("purity"))
        .select("text", "lang", "purity")
    )
    result = (
        pl.DataFrame({"text": texts}, schema={"text": pl.String})
        .join(resolved, on="text", how="left", maintain_order="left", nulls_equal=False)
        .select("lang", "purity")
    )
    return result, stats
