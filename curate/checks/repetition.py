"""Gopher-style repetition (Rae et al. 2021, appendix A): duplicate lines, duplicate paragraphs, the share
of text taken by the most frequent n-gram, and the share covered by duplicated n-grams.

N-grams are CJK-aware: tokens are single characters for Chinese/Japanese and words for space-delimited
scripts (see textexpr.TOKEN_PATTERN), so "好的好的好的" repeats the same way "ok ok ok" does. Shares are
measured in token characters (punctuation and spaces excluded).

A reply is judged in the light of its prompt (every user turn and the input), on the rows over CONTEXT_FROM
only. The labels (bench/labels/<rule>.jsonl, 319 flagged rows read) found the checks right about loops and
wrong about 52 rows whose repetition was asked for or is the form itself: songs with a chorus, HTML tables
and forms, code, lists in a pattern, worked math. Not counted (metric null), when both hold:
    REPEATS_AS_ASKED      ASKED_FOR_VERSE: a song, poem, rap, chant or lyrics (歌, 诗, 说唱): the chorus comes
                          back; ASKED_FOR_STRUCTURE: code or markup, a table, form, survey, template, list,
                          dialogue or screenplay: rows, tags, braces, options and speaker names repeat by design;
                          WORKED_MATH: the reply works two or more calculations ("200 planks / 4 = 50 planks"),
                          so the units of a word problem repeat in every step.
    MODERATE_REPETITION   at most LOOP_SHARE (half) of the reply's tokens repeat an earlier 10-token span with
                          numbers masked, so a loop with a growing counter ("2. Check the expiration dates
                          3. Check the expiration dates ...") still counts, and at most REPEATED_LINES (two
                          lines in three) repeat an earlier line ("```" on 100 lines has no tokens to repeat).
                          In the labels the 94 loops under such prompts repeated 61% of their tokens or more
                          (median 97%) but one, ``` fences on 77% of its lines; 47 of the 52 rows the checks
                          were wrong about repeat less and are kept (two HTML layouts, a calculator and a worked
                          problem repeat more than half, and a formulaic answer asked for none of these).
A text with no row around it (a message judged alone under `field: messages`) has no prompt: not exempt.

Cost: repetition statistics need every token of a text, which no single string expression gives. Texts
below the cheap guards (`min_lines`, `min_chars`) are not judged (metric null) and are blanked *before*
any splitting, so only long texts pay. Each statistic is one compiled pass per text
(winnow.curation.kernels.ngrams, winnow.curation.kernels.repeated_pieces), wrapped in an elementwise `map_batches`; the
prompt and the two MODERATE_REPETITION passes run on the rows over CONTEXT_FROM only (`unless_asked`).
"""

from __future__ import annotations

import functools
import hashlib
from typing import Annotated, Final

import polars as pl

from winnow.curation.cache import expression_definition
from winnow.curation.checks.params import NON_NEGATIVE, RATIO, THRESHOLD, Range
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import metric_check, with_prompt
from winnow.curation.kernels.ngrams import DUP, TOP, ngram_share_series
from winnow.curation.kernels.repeated_pieces import LINES, PARAGRAPHS, repeated_fraction_series

# ---- repetition that was asked for ----------------------------------------------------------------------

ASKED_FOR_VERSE: Final = (
    r"(?i)(?-u:\b)(?:songs?|lyrics?|poems?|poetry|raps?|chants?|chorus|verses?|sonnets?|haikus?|limericks?|ballads?"
    r"|anthems?|jingles?|hymns?|lullab(?:y|ies)|nursery rhymes?)(?-u:\b)"
    r"|歌|诗|说唱|作曲|主题曲|曲调|童谣|顺口溜|押韵"
)
ASKED_FOR_STRUCTURE: Final = (
    r"(?i)(?-u:\b)(?:code|program|function|script|class|snippet|algorithm|html|css|sql|json|xml|latex|regex|python"
    r"|javascript|java|c\+\+|c#|ruby|php|bash|dictionary|array|tables?|forms?|web ?page|website|templates?"
    r"|surveys?|questionnaires?|lists?|enumerate|playlist|examples|dialogues?|conversations?|screenplay|skit)(?-u:\b)"
    r"|代码|程序|函数|脚本|网页|表格|表单|模板|字典|数组|调查|问卷|列出|列举|清单|名单|对话|剧本|\d+\s*[个名种条]|[二三四五六七八九十]名"
)
# One step of a worked calculation: a line with a number, an operator, then "= number".
WORKED_STEP: Final = r"(?m)^[^=\n]*\d[^=\n]*(?:[-+*/×÷]| x )[^=\n]*=[ \t]*\$?-?\d"
LOOP_GRAM: Final = 10
LOOP_SHARE: Final = 0.5
REPEATED_LINES: Final = 2 / 3
# The prompt is read where a metric is over CONTEXT_FROM (the default rules' thresholds), whatever the rule's
# threshold: the metric stays independent of the threshold, which the metric cache relies on (a changed
# threshold reuses cached metrics). A rule stricter than this (rules/strict.yaml, Gopher's web-page anchors)
# judges the rows between its threshold and CONTEXT_FROM without their prompt.
CONTEXT_FROM: Final = 0.3


def repeats_as_asked(reply: pl.Expr, prompt: pl.Expr) -> pl.Expr:
    """REPEATS_AS_ASKED: ASKED_FOR_VERSE, ASKED_FOR_STRUCTURE or WORKED_MATH (see the module docstring)."""
    return (
        prompt.str.contains(ASKED_FOR_VERSE)
        | prompt.str.contains(ASKED_FOR_STRUCTURE)
        | (reply.str.count_matches(WORKED_STEP) >= 2)
    )


def moderate_repetition(reply: pl.Expr) -> pl.Expr:
    """MODERATE_REPETITION: at most REPEATED_LINES of the lines repeated and at most LOOP_SHARE of the tokens
    in a repeated LOOP_GRAM-token span, numbers masked; a text too short to hold two lines or a span passes
    that part."""
    return few_repeated_lines(reply) & few_repeated_spans(reply)


def few_repeated_lines(reply: pl.Expr) -> pl.Expr:
    lines = functools.partial(repeated_fraction_series, mode=LINES, minimum=2)
    return _batched(lines, reply).alias("repeated_line_fraction").fill_null(0.0) <= REPEATED_LINES


def few_repeated_spans(reply: pl.Expr) -> pl.Expr:
    masked = reply.str.replace_all(r"\d+", "0")
    spans = functools.partial(ngram_share_series, mode=DUP, n=LOOP_GRAM, min_tokens=LOOP_GRAM, min_chars=0)
    return _batched(spans, masked).alias(f"masked_dup_{LOOP_GRAM}gram_share").fill_null(0.0) <= LOOP_SHARE


def unless_asked(metric: pl.Expr, text: pl.Expr) -> pl.Expr:
    """`metric`, null (not judged) where it is over CONTEXT_FROM but the repetition was asked for
    (REPEATS_AS_ASKED and MODERATE_REPETITION).

    One pass: the metric is computed once and handed over; the prompt is read (`with_prompt`) on the rows
    over CONTEXT_FROM only, and the repetition measured again (lines, then spans) on those that asked for it. CONTEXT_FROM
    and the exemption's definition name the expression: the metric cache identifies an expression with a
    Python callback by its printed form. A text with no row around it (`field: messages`) has no
    prompt: the metric as it is."""
    if not text.meta.root_names():
        return metric
    reply = pl.col("text")
    definition = ";".join(
        expression_definition(e)
        for e in (repeats_as_asked(reply, pl.col("prompt")), moderate_repetition(reply))
    )
    digest = hashlib.blake2b(definition.encode(), digest_size=8).hexdigest()

    # each test on the rows that passed the ones before: the prompt, then the lines, then the spans
    stages = (
        with_prompt(reply, pl.lit(True), repeats_as_asked),
        few_repeated_lines(reply),
        few_repeated_spans(reply),
    )

    def evaluate(rows: pl.Series) -> pl.Series:
        frame = rows.struct.unnest()
        values = frame["metric"]
        exempt = (values > CONTEXT_FROM).fill_null(False).arg_true()
        texts = frame.select("text")  # the prompt is read by the first stage only
        for stage, columns in zip(stages, (frame, texts, texts), strict=True):
            if len(exempt):
                exempt = exempt.filter(columns[exempt].select(stage).to_series())
        return values.scatter(exempt, None) if len(exempt) else values

    packed = pl.struct(metric.alias("metric"), text.alias("text"), pl.col("messages"), pl.col("input"))
    named = f"unless_asked[{CONTEXT_FROM!r}|{digest}]"
    return packed.map_batches(evaluate, return_dtype=pl.Float64, is_elementwise=True).alias(named)


# ---- the checks ------------------------------------------------------------------------------------------


def _batched(function: functools.partial[pl.Series], text: pl.Expr) -> pl.Expr:
    return text.map_batches(function, return_dtype=pl.Float64, is_elementwise=True)


def _duplicate_fraction(text: pl.Expr, mode: int, minimum: int) -> pl.Expr:
    """Repeated pieces / non-blank pieces (winnow.curation.kernels.repeated_pieces); null below `minimum`."""
    return _batched(functools.partial(repeated_fraction_series, mode=mode, minimum=minimum), text)


@check("max_dup_line_fraction")
def max_dup_line_fraction(
    text: pl.Expr,
    max_fraction: Annotated[float, RATIO, THRESHOLD] = 0.3,
    min_lines: Annotated[int, Range(2, None)] = 4,
) -> Check:
    """Fraction of non-blank lines that repeat an earlier line (Gopher: <= 0.30), unless asked for."""
    metric = _duplicate_fraction(text, LINES, min_lines)
    return metric_check(unless_asked(metric, text), max_fraction, "max")


@check("max_dup_paragraph_fraction")
def max_dup_paragraph_fraction(
    text: pl.Expr,
    max_fraction: Annotated[float, RATIO, THRESHOLD] = 0.3,
    min_paragraphs: Annotated[int, Range(2, None)] = 3,
) -> Check:
    """Fraction of paragraphs (blank-line separated) that repeat an earlier one (Gopher: <= 0.30), unless
    asked for (a chorus)."""
    metric = _duplicate_fraction(text, PARAGRAPHS, min_paragraphs)
    return metric_check(unless_asked(metric, text), max_fraction, "max")


@check("max_top_ngram_share")
def max_top_ngram_share(
    text: pl.Expr,
    n: Annotated[int, Range(2, 10)] = 2,
    max_share: Annotated[float, RATIO, THRESHOLD] = 0.2,
    min_tokens: Annotated[int, NON_NEGATIVE] = 50,
    min_chars: Annotated[int, NON_NEGATIVE] = 200,
) -> Check:
    """Share of token characters in the most frequent n-gram's occurrences (Gopher: 0.20/0.18/0.16 for 2/3/4),
    unless asked for."""
    share = functools.partial(ngram_share_series, mode=TOP, n=n, min_tokens=min_tokens, min_chars=min_chars)
    return metric_check(unless_asked(_batched(share, text), text), max_share, "max")


@check("max_dup_ngram_share")
def max_dup_ngram_share(
    text: pl.Expr,
    n: Annotated[int, Range(2, 20)] = 5,
    max_share: Annotated[float, RATIO, THRESHOLD] = 0.15,
    min_tokens: Annotated[int, NON_NEGATIVE] = 50,
    min_chars: Annotated[int, NON_NEGATIVE] = 200,
) -> Check:
    """Share of token characters covered by n-grams seen earlier in the text (Gopher: 0.15 for 5 .. 0.10 for
    10), unless asked for."""
    share = functools.partial(ngram_share_series, mode=DUP, n=n, min_tokens=min_tokens, min_chars=min_chars)
    return metric_check(unless_asked(_batched(share, text), text), max_share, "max")
