"""Code is not natural language: which texts the language stage does not measure.

Measuring already leaves out fenced and inline code and code-looking lines (winnow.curation.code_lines), but a
code answer leaves residue that no line pattern names: `a.id, a.job, a.salary` (SQL), `del arr[index]`,
`^[a-zA-Z0-9_.+-]+@…$` (a regex), `=SUM(C2:C3)`, `\\hline & Java & Python`, `2[HCl] + 2[NaOH] -> …`.
The n-gram detector reads such scraps as Somali, Italian, Slovak, Estonian; on Code Alpaca's 2k pilot set
all 25 `language_mismatch` drops of the default rules were code or regex answers read that way. So:

  a text is code               when at least CODE_MIN_SHARE of its non-space characters are code (fences,
                               inline code, code lines), or when what measuring leaves is mostly not words:
                               under PROSE_MIN_SHARE of its tokens are plain words (letters only, around
                               punctuation; in mixed case an ALL-CAPS token is a keyword, END FOR, not prose)
                               and all its letters are ASCII (code residue is; é, ж, 中 are prose)
  a reply to a prompt that     is judged only on enough prose: at least CODE_PROMPT_MIN_PROSE words (two CJK
  asks for code                characters count one word); "Write a Haskell function …" answered with
                               `maxNum list = maximum list` has no language to judge, while "输出一段代码…"
                               answered with an English paragraph around the code still has one

A text that is code gets no language and no purity (null: not measured), so no language rule judges it;
the stage counts these per field (stats `code_not_measured`).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from winnow.curation.code_lines import without_code_lines

CODE_MIN_SHARE: Final = 0.5
PROSE_MIN_SHARE: Final = 0.5
CODE_PROMPT_MIN_PROSE: Final = 8.0

# A prompt that asks for code, a query, a pattern or a formula (en and zh).
ASKS_FOR_CODE: Final = (
    r"(?i)(?-u:\b)(?:code|coding|function|method|class|program|programs|script|query|queries|regex|regexp"
    r"|regular expression|sql|mysql|postgresql|html|css|javascript|typescript|python|java|ruby|swift"
    r"|haskell|kotlin|rust|golang|php|perl|bash|shell|command|algorithm|pseudocode|pseudo-code|latex|formula"
    r"|spreadsheet|excel|json|xml|yaml|snippet|api|compile|implement)(?-u:\b)"
    r"|(?i:c\+\+|c#)|代码|函数|程序|脚本|正则|查询语句|编程|算法|伪代码|公式|命令"
)
_WRAP_OPEN: Final = "[(\"“'‘]?"
_WRAP_CLOSE: Final = "[,.;:!?)\"”'’]*"
# tokens are cut by single spaces (measured text): doubled, each token has a space of its own on each side
_WORD: Final = f" {_WRAP_OPEN}\\p{{L}}(?:[\\p{{L}}\\p{{M}}'’-]*[\\p{{L}}\\p{{M}}])?{_WRAP_CLOSE} "
_CAPS_WORD: Final = f" {_WRAP_OPEN}[A-Z][A-Z'’-]*[A-Z]{_WRAP_CLOSE} "
_TOKEN: Final = r" [^ ]+ "
# what numbers leave ("1. Tokyo" → ". Tokyo", "(1738 - 1816)" → "( - )"): not tokens of either kind
_LONE_PUNCTUATION: Final = r" [.,;:!?()\-–—、。，；：！？]+ "
_CJK: Final = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]"
_NOT_ASCII_LETTER: Final = r"[\p{L}&&[^a-zA-Z]]"


def code_free(text: pl.Expr) -> pl.Expr:
    """The text with fenced blocks (an unclosed fence runs to the end), inline code and code lines blanked."""
    return (
        text.str.replace_all(r"(?s)```.*?```", " ")
        .str.replace_all(r"(?s)```.*$", " ")
        .str.replace_all(r"`[^`\n]*`", " ")
        .pipe(without_code_lines)
    )


def _non_space(text: pl.Expr) -> pl.Expr:
    return text.str.len_chars() - text.str.count_matches(r"\s")


def _spaced(measured: pl.Expr) -> pl.Expr:
    return pl.lit(" ") + measured.str.replace_all(" ", "  ", literal=True) + pl.lit(" ")


def prose_words(measured: pl.Expr) -> pl.Expr:
    """Plain words of a measured text (single spaces between tokens); in a text with lower-case letters,
    ALL-CAPS tokens are left out (keywords: FOR, END, SELECT); a text all in capitals is shouted prose."""
    spaced = _spaced(measured)
    caps = pl.when(measured.str.contains("[a-z]")).then(spaced.str.count_matches(_CAPS_WORD)).otherwise(0)
    return (spaced.str.count_matches(_WORD) - caps).cast(pl.Float64)


def prose_amount(measured: pl.Expr) -> pl.Expr:
    """Words of prose in a measured text: plain words, and two CJK characters for a word."""
    return prose_words(measured) + measured.str.count_matches(_CJK).cast(pl.Float64) / 2.0


def is_code(texts: pl.DataFrame, text: str, free: str, measured: str) -> pl.Series:
    """Whether each text (column `text` of `texts`) is code (see the module docstring); `free` names the column
    of code_free(text), `measured` that of its measured text. False for a null or blank text.

    In steps, each count only where it can change the answer (an empty string elsewhere: the same answer for
    a fraction of the regex work; ~1M distinct prompts at 1M rows took 8.5 s as one expression, 3.6 s so): the
    non-space characters left by code_free only in texts it changed (else: the text's own), the tokens and
    plain words only in texts that are not code by share already and whose letters are all ASCII (residue
    needs both)."""
    empty = pl.lit("", dtype=pl.String)
    work = texts.select(
        _non_space(pl.col(text)).alias("non_space"),
        (pl.col(free) != pl.col(text)).alias("changed"),
        (~pl.col(measured).str.contains(_NOT_ASCII_LETTER)).alias("ascii_letters"),
        pl.col(free),
        pl.col(measured),
    )
    changed = pl.col("changed")
    free_non_space = (
        pl.when(changed).then(_non_space(pl.when(changed).then(pl.col(free)).otherwise(empty)))
    ).otherwise(pl.col("non_space"))
    share = 1.0 - free_non_space.cast(pl.Float64) / pl.col("non_space").cast(pl.Float64)
    work = work.with_columns((share >= CODE_MIN_SHARE).alias("by_share"))
    candidate = ~pl.col("by_share").fill_null(False) & pl.col("ascii_letters").fill_null(False)
    work = work.with_columns(pl.when(candidate).then(pl.col(measured)).otherwise(empty).alias("asked"))
    spaced = _spaced(pl.col("asked"))
    tokens = (spaced.str.count_matches(_TOKEN) - spaced.str.count_matches(_LONE_PUNCTUATION)).cast(pl.Float64)
    work = work.with_columns(tokens.alias("tokens"), prose_words(pl.col("asked")).alias("prose"))
    residue = (
        (pl.col("tokens") > 0)
        & pl.col("ascii_letters")
        & (pl.col("prose") < pl.col("tokens") * PROSE_MIN_SHARE)
    )
    code = ((pl.col("non_space") > 0) & (pl.col("by_share") | residue)).fill_null(False)
    return work.select(code.alias("code")).to_series()


def asks_for_code(prompt: pl.Expr) -> pl.Expr:
    """Whether a prompt asks for code, a query, a pattern or a formula (en and zh keywords)."""
    return prompt.str.contains(ASKS_FOR_CODE).fill_null(False)


def without_code_replies(frame: pl.DataFrame, response: pl.Expr, prompt: pl.Expr) -> pl.DataFrame:
    """The frame with `lang.response` and `lang_purity.response` nulled (not measured) on rows whose prompt
    asks for code and whose reply has under CODE_PROMPT_MIN_PROSE words of prose. Only rows with a
    measured reply and such a prompt are looked at."""
    lang, purity = "lang.response", "lang_purity.response"
    if lang not in frame.columns:
        return frame
    candidates = frame.select((pl.col(lang).is_not_null() & asks_for_code(prompt)).arg_true()).to_series()
    if candidates.len() == 0:
        return frame
    from winnow.curation.language.scripts import measured_text  # scripts imports this module

    prose = frame[candidates].select(prose_amount(measured_text(response))).to_series()
    unmeasured = candidates.filter(prose < CODE_PROMPT_MIN_PROSE)
    if unmeasured.len() == 0:
        return frame
    return frame.with_columns(frame[lang].scatter(unmeasured, None), frame[purity].scatter(unmeasured, None))
