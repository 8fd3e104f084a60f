"""A reply that only repeats the prompt: equal to the instruction or to the input once case, whitespace and
a final full stop / question mark are ignored, or opening with the whole (long enough) instruction copied out.
Punctuation inside the text counts: "add the missing punctuation" answered with the punctuated sentence, or a
code fix that adds a colon, is an answer, not an echo.

Equal to the input also catches "edit this sentence" rows whose output is the unchanged input: a real
defect class of generated data (the example teaches that doing nothing is the answer).

A reply equal to the input is judged with its instruction (computed only on the rows that echo): it is the
answer, not an echo, when (bench/labels/response_echoes_prompt.jsonl: of 120 flags read, 39 fine, nearly all
of these)
    ASKED_TO_CORRECT   the instruction asks to correct grammar, agreement, punctuation, spelling or errors: a text with
                       nothing to fix comes back unchanged, or with only its missing final full stop added
                       ("编辑一个句子，使语法和标点符号正确" → "…一种享受。").
    ASKED_TO_ORDER     the instruction asks to sort, arrange or match what is already in order (a timeline, prices
                       low to high, countries with their capitals).
    CHANGED_AS_ASKED   the reply differs from the input in exactly what the comparison ignores and the instruction
                       asked to change: letter case ("change the vowels to uppercase" → "ThE qUIck …") or layout
                       ("divide into two paragraphs", "align the list").
Rewrite, paraphrase, translate, tense or style tasks answered with the input stay echoes."""

from __future__ import annotations

import functools
from typing import Annotated, Final

import polars as pl

from winnow.curation.checks.params import NON_NEGATIVE
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import (
    asked_turn,
    contains_any,
    field_text,
    shared,
    unless_prompt_excuses,
)
from winnow.curation.kernels.casefold import flags_deciding_sigma
from winnow.curation.kernels.echo import echo_series


@shared("comparable")
def _comparable(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().str.replace_all(r"\s+", "").str.strip_chars(".。!！?？")


# Each: the English words (whole, Unicode \b: slow on Chinese text, so read only where a gate literal is
# found, see textexpr.contains_any), then the Chinese ones.
ASKED_TO_CORRECT: Final = (
    (
        r"(?i)\b(?:grammar|grammatical\w*|punctuat\w*|spelling|typos?|proofread\w*|correct|errors?|mistakes?"
        r"|agree\w*|commas?)\b",
        r"(?i)grammar|grammat|punctuat|spelling|typo|proofread|correct|error|mistake|agree|comma",
    ),
    r"语法|标点|错误|错字|错别字|纠正|更正(?:[^式]|$)|改正|修正|校对|逗号|一致",  # not 更正式 (more formal)
)
ASKED_TO_ORDER: Final = (
    (
        r"(?i)\b(?:sort|arrange|rearrange|organi[sz]e|rank|chronological(?:ly)?|alphabetical(?:ly)?|match)\b",
        r"(?i)sort|arrange|organi|rank|chronological|alphabetical|match",
    ),
    r"排序|排列(?:[^成]|$)|按[^。\n]{0,8}顺序|匹配",  # not 重新排列成 (rearrange into: a transformation)
)
ASKED_FOR_CASE: Final = (
    (
        r"(?i)\b(?:upper ?case|lower ?case|capitali[sz]\w*|title case|camel ?case|snake ?case|capital letters?)\b",
        r"(?i)upper|lower|capital|title case|camel|snake",
    ),
    r"大写|小写|驼峰",
)
ASKED_FOR_LAYOUT: Final = (
    (
        r"(?i)\b(?:paragraphs?|lines?|line breaks?|indent\w*|align\w*|format\w*|spacing|split|divide)\b",
        r"(?i)paragraph|line|indent|align|format|spacing|split|divide",
    ),
    r"段落|对齐|缩进|格式|换行|分行",
)


@check("response_echoes_prompt", scope="row")
def response_echoes_prompt(min_prefix_chars: Annotated[int, NON_NEGATIVE] = 20) -> Check:
    """Fails a reply equal to the instruction or input, or opening with the whole instruction, unless it is the
    input done as asked (ASKED_TO_CORRECT, ASKED_TO_ORDER, CHANGED_AS_ASKED)."""
    reply = field_text("response")
    texts = pl.struct(
        reply.alias("reply"),
        field_text("instruction").alias("instruction"),
        field_text("input").alias("input"),
    )
    measure = functools.partial(_echo_flags, min_prefix_chars=min_prefix_chars)
    echo = texts.map_batches(measure, return_dtype=pl.Boolean, is_elementwise=True)
    return Check(fails=unless_prompt_excuses(reply, echo, _input_done_as_asked))


def _input_done_as_asked(reply: pl.Expr, prompt: pl.Expr) -> pl.Expr:
    """The reply is the row's input (as the echo test compares) and the instruction asked for nothing else.
    What was asked is read in the last user turn (`prompt` holds the input too, whose words ask nothing)."""
    del prompt
    given = pl.col("input").fill_null("")
    asked = asked_turn()
    equal_input = (given.str.len_chars() > 0) & (_comparable(reply) == _comparable(given))
    case_kept = [t.str.replace_all(r"\s+", "").str.strip_chars(".。!！?？") for t in (reply, given)]
    spacing_kept = [
        t.str.to_lowercase().str.strip_chars().str.strip_chars(".。!！?？") for t in (reply, given)
    ]
    changed_as_asked = ((case_kept[0] != case_kept[1]) & contains_any(asked, ASKED_FOR_CASE)) | (
        (spacing_kept[0] != spacing_kept[1]) & contains_any(asked, ASKED_FOR_LAYOUT)
    )
    done = contains_any(asked, ASKED_TO_CORRECT) | contains_any(asked, ASKED_TO_ORDER) | changed_as_asked
    return equal_input & done


def _echo_flags(texts: pl.Series, min_prefix_chars: int) -> pl.Series:
    """One compiled pass compares the comparable texts (winnow.curation.kernels.echo); the rows it leaves undecided
    (a Σ, whose lowercase depends on context) are compared with the Polars definition, `echoes`."""

    def by_polars(rows: pl.Series) -> pl.Series:
        reply, instruction, given = (pl.col(c) for c in ("reply", "instruction", "input"))
        return rows.struct.unnest().select(echoes(reply, instruction, given, min_prefix_chars)).to_series()

    return flags_deciding_sigma(echo_series(texts, min_prefix_chars=min_prefix_chars), texts, by_polars)


def echoes(
    reply_text: pl.Expr, instruction_text: pl.Expr, input_text: pl.Expr, min_prefix_chars: int
) -> pl.Expr:
    """The Polars definition of an echo (winnow.curation.kernels.echo computes the same, Σ aside)."""
    reply, instruction, given = (_comparable(t) for t in (reply_text, instruction_text, input_text))
    has_reply = reply.str.len_chars() > 0
    equal_instruction = reply == instruction
    equal_input = ((given.str.len_chars() > 0) & (reply == given)).fill_null(False)
    opens_with_instruction = (instruction.str.len_chars() >= min_prefix_chars) & reply.str.starts_with(
        instruction
    )
    found = equal_instruction.fill_null(False) | equal_input | opens_with_instruction.fill_null(False)
    return (has_reply & found).fill_null(False)
