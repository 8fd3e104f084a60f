"""A reply far too short for what the instruction asks: an essay in five words, a poem in one line.

The instruction names the expected form (zh and en keyword patterns below, each with a floor in words), or
a length ("in 200 words", "300字"). The reply's length is counted in words, a CJK character as 1/1.7 of a
word (one English word ≈ 1.7 Chinese characters on the parallel UDHR articles). metric = reply words / floor;
the row fails below `min_ratio`. Rows whose instruction names no form have no metric (never fail).
Instructions that ask for something short in the same breath (a title, a summary, one sentence, briefly)
are exempt: "write a title for this article" mentions an article but wants five words.

Also exempt, measured on the labeled flags (bench/labels/response_too_short_for_task.jsonl: of 33 flags, the
9 code answers and the 2 word problems were all fine):
    CODE_ASKED         the instruction asks for code (curate/checks/asked_form.py, ASKS_FOR_CODE): a CSS rule,
                       an SQL query or a regex is complete in one line, whatever "paragraph" or "email" it names
                       ("Create a CSS code to set the font size of a paragraph").
    QUANTITY_QUESTION  the instruction ends on a how-many / how-much question: a word problem about someone
                       writing a report ("…how many hours does she have left to write her report?") wants a
                       number.
    TASK_HEADER        "详细说明：" with its colon is SuperNI's "Detailed Instructions:" header translated, not a
                       request to explain in detail.
"""

from __future__ import annotations

import typing
from typing import Annotated, Final

import polars as pl

from winnow.curation.checks.asked_form import ASKS_FOR_CODE
from winnow.curation.checks.params import Range
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import field_text, metric_check, on_gated_rows, shared

# (pattern on the instruction, floor in words). The largest matching floor applies. Floors are "far too
# short", not "a bit short": a polite rejection letter of 35 words or a 3-sentence review is fine.
_WRITE_EN: Final = r"(?i)\b(?:write|compose|draft|create|generate|produce|prepare|craft)\b[^.?!\n]{0,40}?\b"
# A write verb, not inside 重写/改写/缩写/续写 (rewrite, shorten, continue: edits of given text), 大小写/拼写
# (letter case, spelling), 描写 (portray), 正在写 (is writing) or 手写 (by hand), and not 写了/写过 (wrote: a description, not a request); the gap
# to the noun stays inside one clause and outside quotes.
_WRITE_ZH: Final = (
    r"(?:^|[^重改缩续小拼描在手])(?:写|撰写|创作|编写|起草|写作|写出|写下)[^了过。？！\n“”\"「」]{0,15}?"
)
# The noun must not be followed by 时/的/之/前/后/中 ("写论文时", "写故事的开场白": about writing, not asking).
_NOT_ABOUT: Final = r"(?:[^时的之前后中里地陈]|$)"
# TASK_HEADER: "详细说明：" (SuperNI's "Detailed Instructions:") is a header, not a request for detail.
_NOT_TASK_HEADER: Final = r"(?:[^:：]|$)"
EXPECTED_FORMS: Final[tuple[tuple[str, float], ...]] = (
    (_WRITE_EN + r"(?:essay|article|blog post|short story|story|report|speech|research paper)s?\b", 40.0),
    (_WRITE_ZH + r"(?:文章|作文|论文|故事|报告|演讲稿|演讲|博客|短文)" + _NOT_ABOUT, 40.0),
    (_WRITE_EN + r"(?:letter|cover letter|email|e-mail|review)s?\b", 15.0),
    (_WRITE_ZH + r"(?:封信|书信|求职信|推荐信|感谢信|辞职信|道歉信|邀请信|邮件)" + _NOT_ABOUT, 15.0),
    (_WRITE_EN + r"paragraphs?\b", 20.0),
    (_WRITE_ZH + r"(?:段落|一段话|一段文字|一段描述|一段介绍)" + _NOT_ABOUT, 20.0),
    (_WRITE_EN + r"(?:poem|song|lyrics|sonnet|ballad)s?\b", 8.0),
    (_WRITE_ZH + r"(?:诗|歌词|诗歌)" + _NOT_ABOUT, 6.0),
    (
        r"(?i)\b(?:explain|describe|discuss|elaborate)\b[^.?!\n]{0,40}\bin detail\b|\bdetailed (?:explanation|description|analysis)\b",
        25.0,
    ),
    (r"(?:^|[^的])详细(?:地)?(?:解释|描述|说明|介绍|阐述|分析)" + _NOT_TASK_HEADER, 25.0),
)
# Each EXPECTED_FORMS pattern runs only on the instructions that contain its verb (a necessary condition;
# every _WRITE_ZH verb contains 写, 创作 or 起草) and its noun: the others are blanked first.
_GATE_EN: Final = r"(?i)write|compose|draft|create|generate|produce|prepare|craft"
_GATE_ZH: Final = "写|创作|起草"
_GATE_DETAIL_EN: Final = r"(?i)in detail|detailed "
_GATE_DETAIL_ZH: Final = "详细"


# Any of the gates: only instructions holding one can name a form, and the whole floor is computed on those
# only (11% of real instructions); on the others every pattern would still cost a pass over "".
FLOOR_GATE: Final = "(?i)" + "|".join(
    gate.removeprefix("(?i)") for gate in (_GATE_EN, _GATE_ZH, _GATE_DETAIL_EN, _GATE_DETAIL_ZH)
)


# The nouns of each written form (every one a necessary condition of its pattern): most instructions that
# say "create" or "写" ask for no essay or poem, and the patterns' Unicode \b is slow on Chinese text.
_NOUNS_EN: Final = (
    "(?i)essay|article|blog post|story|report|speech|research paper",
    "(?i)letter|email|e-mail|review",
    "(?i)paragraph",
    "(?i)poem|song|lyrics|sonnet|ballad",
)
_NOUNS_ZH: Final = ("文章|作文|论文|故事|报告|演讲|博客|短文", "信|邮件", "段落|一段", "诗|歌词")


def _only(*gates: str) -> typing.Callable[[pl.Expr], pl.Expr]:
    """The text where every gate matches, "" elsewhere."""

    def candidates(text: pl.Expr) -> pl.Expr:
        matches = pl.all_horizontal([text.str.contains(gate) for gate in gates])
        return pl.when(matches).then(text).otherwise(pl.lit(""))

    return candidates


FORM_CANDIDATES: Final = (  # one per EXPECTED_FORMS
    *(
        only
        for nouns_en, nouns_zh in zip(_NOUNS_EN, _NOUNS_ZH, strict=True)
        for only in (_only(_GATE_EN, nouns_en), _only(_GATE_ZH, nouns_zh))
    ),
    _only(_GATE_DETAIL_EN),
    _only(_GATE_DETAIL_ZH),
)

# Instructions that ask for something short, or bound the length from above, in the same breath.
EXEMPT: Final = (
    r"(?i)\b(?:title|headline|slogan|tagline|tweet|caption|subject line|summary|summari[sz]e|outline|haiku"
    r"|user story|template|one sentence|a sentence|single sentence|one word|brief(?:ly)?|concise(?:ly)?"
    r"|short answer|less than|fewer than|under|at most|no more than|up to|maximum|one line|opening line"
    r"|first (?:line|sentence)|topic|theme|prompt|idea|thesis statement)\b"
    r"|\b(?:one|two|three|four|five|\d+)[- ](?:sentences?|lines?)\b"
    r"|标题|题目|一句话|一个词|句子|简短|简要|简单(?:地)?(?:回答|说)|概括|总结|摘要|口号|大纲|提纲|推文|模板"
    r"|开场白|开头|主题|题材|论文陈述|论点"
    r"|少于|不超过|以内|之内|最多|(?:\d+|[一二三四五六七八九十两])\s*(?:句话|句|行|个词)"
)
# A word problem's question, at the end of the instruction: it wants a number, not the essay it mentions.
QUANTITY_QUESTION: Final = r"(?i)\bhow (?:many|much|long|far|old)\b[^.?!\n]*\?\s*$|多少[^。？！\n]*[？?]\s*$"
CJK_CHARS_PER_WORD: Final = 1.7
WORD_LIMIT_EN: Final = r"(?i)\b(\d{1,4})[- ]words?\b"
# "300字" is a length; "12个字母" (letters) and "280个字符" (characters of a tweet) are not a word count.
CHAR_LIMIT_ZH: Final = r"(\d{1,4})\s*(?:个)?字(?:[^母符节]|$)"


def reply_words(text: pl.Expr) -> pl.Expr:
    """Words of space-delimited scripts plus 1/1.7 word per CJK character."""
    cjk = text.str.count_matches(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]").cast(pl.Float64)
    words = text.str.count_matches(r"[\p{L}\p{N}--\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]+").cast(
        pl.Float64
    )
    return words + cjk / CJK_CHARS_PER_WORD


def _floor(instruction: pl.Expr) -> pl.Expr:
    """The floor of the long form the instruction names (null: none), before the EXEMPT test."""
    # (A blanked instruction matches no pattern: null and False both leave the form out of the max.)
    by_form = pl.max_horizontal(
        [
            pl.when(only(instruction).str.contains(pattern)).then(pl.lit(floor))
            for (pattern, floor), only in zip(EXPECTED_FORMS, FORM_CANDIDATES, strict=True)
        ]
    )
    # An explicit length wins: half of what was asked is the floor ("in 200 words" → 100).
    asked_en = instruction.str.extract(WORD_LIMIT_EN, 1).cast(pl.Float64, strict=False) / 2.0
    asked_zh = instruction.str.extract(CHAR_LIMIT_ZH, 1).cast(pl.Float64, strict=False) / (
        2 * CJK_CHARS_PER_WORD
    )
    # A stated length counts only next to a requested form: "从这篇 1000 字的文章中删除…" names the input's size.
    return pl.when(by_form.is_not_null()).then(pl.coalesce(asked_en, asked_zh, by_form))


FLOOR: Final = "__floor"  # on the gated instructions: computed once, read three times


@shared("expectedwords")
def expected_words(instruction: pl.Expr) -> pl.Expr:
    """The floor the instruction implies, or null when it names no long form (or asks for something short)."""
    return on_gated_rows(
        instruction,
        FLOOR_GATE,
        lambda gated: _unless_exempt(gated, pl.col(FLOOR)),
        dtype=pl.Float64,
        otherwise=None,
        columns=lambda gated: {FLOOR: _floor(gated)},
    )


def _unless_exempt(instruction: pl.Expr, floor: pl.Expr) -> pl.Expr:
    """`floor` where it is positive and the instruction does not also ask for something short."""
    # EXEMPT (Unicode \b on zh text: the slow path of the regex engine) only runs where there is a floor.
    # (Masked with "", not null: Polars' string kernels run on the values behind nulls too.)
    candidate = pl.when(floor > 0).then(instruction).otherwise(pl.lit(""))
    asks_short = candidate.str.contains(EXEMPT)
    code_asked = ASKS_FOR_CODE.named_in(candidate)  # CODE_ASKED
    word_problem = candidate.str.contains(QUANTITY_QUESTION)  # QUANTITY_QUESTION
    exempt = asks_short | code_asked | word_problem
    return pl.when(~exempt.fill_null(False) & (floor > 0)).then(floor)


@check("response_too_short_for_task", scope="row")
def response_too_short_for_task(min_ratio: Annotated[float, Range(0.0, None)] = 1.0) -> Check:
    """Fails a reply shorter than min_ratio x the length its instruction implies (an essay in five words)."""
    expected = expected_words(field_text("instruction"))
    # The reply's words are counted only where the instruction names a form (a few percent of rows):
    # elsewhere the metric is null whatever the count, and counting every reply was most of the cost.
    reply = pl.when(expected.is_not_null()).then(field_text("response")).fill_null("")
    return metric_check(reply_words(reply) / expected, min_ratio, "min")
