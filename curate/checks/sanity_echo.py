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
from curate.kernels.echo import UNDECIDED_ROW, YES, echo_series


@shared("comparable")
def _comparable(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().str.replace_all(r"\s+", "").str.strip_chars(".。!！?？")


@check("response_echoes_prompt", scope="row")
def response_echoes_prompt(min_prefix_chars: Annotated[int, NON_NEGATIVE] = 20) -> Check:
    """Fails a reply equal to the instruction or input, or opening with the whole instruction."""
    # One compiled pass compares the comparable texts (curate.kernels.echo); rows it leaves undecided (a Σ,
    # whose lowercase depends on context) are compared by the Polars expression below, on those rows only.
    texts = pl.struct(
        field_text("response").alias("reply"),
        field_text("instruction").alias("instruction"),
        field_text("input").alias("input"),
    )
    measure = functools.partial(echo_series, min_prefix_chars=min_prefix_chars)
    state = texts.map_batches(measure, return_dtype=pl.UInt8, is_elementwise=True)
    undecided = state == UNDECIDED_ROW
    fails = pl.when(undecided).then(_echoes(undecided, min_prefix_chars)).otherwise(state == YES)
    return Check(fails=fails)


def _echoes(rows: pl.Expr, min_prefix_chars: int) -> pl.Expr:
    """The Polars definition of an echo, evaluated on `rows` only (other rows: empty texts, no echo)."""
    reply, instruction, given = (
        _comparable(pl.when(rows).then(field_text(name)).otherwise(pl.lit("")))
        for name in ("response", "instruction", "input")
    )
    has_reply = reply.str.len_chars() > 0
    equal_instruction = reply == instruction
    equal_input = ((given.str.len_chars() > 0) & (reply == given)).fill_null(False)
    opens_with_instruction = (instruction.str.len_chars() >= min_prefix_chars) & reply.str.starts_with(
        instruction
    )
    echoes = equal_instruction.fill_null(False) | equal_input | opens_with_instruction.fill_null(False)
    return has_reply & echoes
