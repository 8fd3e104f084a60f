"""A reply that only repeats the prompt: equal to the instruction or to the input once case, whitespace and
a final full stop / question mark are ignored, or opening with the whole (long enough) instruction copied out.
Punctuation inside the text counts: "add the missing punctuation" answered with the punctuated sentence, or a
code fix that adds a colon, is an answer, not an echo.

Equal to the input also catches "edit this sentence" rows whose output is the unchanged input: a real
defect class of generated data (the example teaches that doing nothing is the answer)."""

from __future__ import annotations

import functools
from typing import Annotated

import polars as pl

from curate.checks.params import NON_NEGATIVE
from curate.checks.registry import Check, check
from curate.checks.textexpr import field_text, shared
from curate.kernels.casefold import flags_deciding_sigma
from curate.kernels.echo import echo_series


@shared("comparable")
def _comparable(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().str.replace_all(r"\s+", "").str.strip_chars(".。!！?？")


@check("response_echoes_prompt", scope="row")
def response_echoes_prompt(min_prefix_chars: Annotated[int, NON_NEGATIVE] = 20) -> Check:
    """Fails a reply equal to the instruction or input, or opening with the whole instruction."""
    texts = pl.struct(
        field_text("response").alias("reply"),
        field_text("instruction").alias("instruction"),
        field_text("input").alias("input"),
    )
    measure = functools.partial(_echo_flags, min_prefix_chars=min_prefix_chars)
    return Check(fails=texts.map_batches(measure, return_dtype=pl.Boolean, is_elementwise=True))


def _echo_flags(texts: pl.Series, min_prefix_chars: int) -> pl.Series:
    """One compiled pass compares the comparable texts (curate.kernels.echo); the rows it leaves undecided
    (a Σ, whose lowercase depends on context) are compared with the Polars definition, `echoes`."""

    def by_polars(rows: pl.Series) -> pl.Series:
        reply, instruction, given = (pl.col(c) for c in ("reply", "instruction", "input"))
        return rows.struct.unnest().select(echoes(reply, instruction, given, min_prefix_chars)).to_series()

    return flags_deciding_sigma(echo_series(texts, min_prefix_chars=min_prefix_chars), texts, by_polars)


def echoes(
    reply_text: pl.Expr, instruction_text: pl.Expr, input_text: pl.Expr, min_prefix_chars: int
) -> pl.Expr:
    """The Polars definition of an echo (curate.kernels.echo computes the same, Σ aside)."""
    reply, instruction, given = (_comparable(t) for t in (reply_text, instruction_text, input_text))
    has_reply = reply.str.len_chars() > 0
    equal_instruction = reply == instruction
    equal_input = ((given.str.len_chars() > 0) & (reply == given)).fill_null(False)
    opens_with_instruction = (instruction.str.len_chars() >= min_prefix_chars) & reply.str.starts_with(
        instruction
    )
    found = equal_instruction.fill_null(False) | equal_input | opens_with_instruction.fill_null(False)
    return (has_reply & found).fill_null(False)
