"""A reply far too short for what the instruction asks: an essay in five words, a poem in one line.

The instruction names the expected form (zh and en keyword patterns below, each with a floor in words), or
a length ("in 200 words", "300字"). The reply's length is counted in words, a CJK character as half a word
(one English word ≈ 1.7 Chinese characters on the parallel UDHR articles). metric = reply words / floor;
the row fails below `min_ratio`. Rows whose instruction names no form have no metric (never fail).
Instructions that ask for something short in the same breath (a title, a summary, one sentence, briefly)
are exempt: "write a title for this article" mentions an article but wants five words.
"""

from __future__ import annotations

from typing import Annotated, Final

import polars as pl

from curate.checks.params import Range
from curate.checks.registry import Check, check
from curate.checks.textexpr import metric_check
from curate.record import instruction_expr, response_expr

# (pattern on the instruction, floor in words). The largest matching floor applies.
_WRITE_EN: Final = r"(?i)\b(?:write|compose|draft|create|generate|produce|prepare|craft)\b[^.?!\n]{0,40}?\b"
_WRITE_ZH: Final = r"(?:写|撰写|创作|编写|起草|写作|写出|写下)[^。？！\n]{0,15}?"
EXPECTED_FORMS: Final[tuple[tuple[str, float], ...]] = (
    (
        _WRITE_EN
        + r"(?:essay|article|blog(?: post)?|story|report|speech|cover letter|letter|review|paper)s?\b",
        50.0,
    ),
    (_WRITE_ZH + r"(?:文章|作文|论文|故事|报告|演讲稿|演讲|博客|书信|求职信|信|评论|短文)", 50.0),
    (_WRITE_EN + r"paragraphs?\b", 25.0),
    (_WRITE_ZH + r"(?:一段|段落|段话)", 25.0),
    (_WRITE_EN + r"(?:poem|song|lyrics|sonnet|ballad)s?\b", 12.0),
    (_WRITE_ZH + r"(?:诗|歌词|诗歌)", 8.0),
    (
        r"(?i)\b(?:explain|describe|discuss|elaborate)\b[^.?!\n]{0,40}\bin detail\b|\bdetailed (?:explanation|description|analysis)\b",
        30.0,
    ),
    (r"详细(?:地)?(?:解释|描述|说明|介绍|阐述|分析)", 30.0),
)
EXEMPT: Final = (
    r"(?i)\b(?:title|headline|slogan|tagline|tweet|caption|subject line|summary|summari[sz]e|outline|haiku"
    r"|one sentence|a sentence|single sentence|one word|brief(?:ly)?|concise(?:ly)?|short answer)\b"
    r"|标题|题目|一句话|一个词|简短|简要|简单(?:地)?(?:回答|说)|概括|总结|摘要|口号|大纲|提纲"
)
WORD_LIMIT_EN: Final = r"(?i)\b(\d{2,4})[- ]words?\b"
CHAR_LIMIT_ZH: Final = r"(\d{2,4})\s*(?:个)?字"


def reply_words(text: pl.Expr) -> pl.Expr:
    """Words of space-delimited scripts plus half a word per CJK character."""
    cjk = text.str.count_matches(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]").cast(pl.Float64)
    words = text.str.count_matches(r"[\p{L}\p{N}--\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]+").cast(
        pl.Float64
    )
    return words + cjk / 2.0


def expected_words(instruction: pl.Expr) -> pl.Expr:
    """The floor the instruction implies, or null when it names no long form (or asks for something short)."""
    by_form = pl.max_horizontal(
        [pl.when(instruction.str.contains(pattern)).then(pl.lit(floor)) for pattern, floor in EXPECTED_FORMS]
    )
    # An explicit length wins: half of what was asked is the floor ("in 200 words" → 100).
    asked_en = instruction.str.extract(WORD_LIMIT_EN, 1).cast(pl.Float64, strict=False) / 2.0
    asked_zh = instruction.str.extract(CHAR_LIMIT_ZH, 1).cast(pl.Float64, strict=False) / 4.0
    floor = pl.coalesce(asked_en, asked_zh, by_form)
    return pl.when(~instruction.str.contains(EXEMPT).fill_null(False) & (floor > 0)).then(floor)


@check("response_too_short", scope="row")
def response_too_short(min_ratio: Annotated[float, Range(0.0, None)] = 1.0) -> Check:
    """Fails a reply shorter than min_ratio x the length its instruction implies (an essay in five words)."""
    metric = reply_words(response_expr().fill_null("")) / expected_words(instruction_expr())
    return metric_check(metric, min_ratio, "min")
