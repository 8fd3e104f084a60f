"""Add `lang.<field>` and `lang_purity.<field>` columns: every field's texts and every message go through one
identify pass together, so a text that appears in several fields or rows is measured once.

Scalar fields give String / Float64 columns; `messages` gives List[String] / List[Float64], one entry per
message in order (an empty conversation gives empty lists).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from winnow.curation.language.cache import LanguageCache
from winnow.curation.language.identify import IdentifySettings, IdentifyStats, identify
from winnow.curation.record import field_expr, message_contents_expr


def lang_column(name: str) -> str:
    return f"lang.{name}"


def purity_column(name: str) -> str:
    return f"lang_purity.{name}"


def annotate_languages(
    frame: pl.DataFrame,
    fields: Sequence[str],
    settings: IdentifySettings,
    *,
    cache: LanguageCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pl.DataFrame, IdentifyStats]:
    """`frame` with the language columns of `fields` added (replaced when present), and the pass's stats."""
    scalar = [f for f in fields if f != "messages"]
    pieces = [frame.select(field_expr(f).alias("text")).to_series() for f in scalar]
    messages = None
    if "messages" in fields:
        messages = (
            frame.select(
                pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"), message_contents_expr().alias("text")
            )
            .filter(pl.col("text").list.len() > 0)
            .explode("text")
        )
        pieces.append(messages["text"])
    texts = pl.concat(pieces) if pieces else pl.Series("text", [], dtype=pl.String)
    result, stats = identify(texts, settings, cache=cache, progress=progress)

    columns: list[pl.Series] = []
    offset = 0
    for name in scalar:
        part = result.slice(offset, frame.height)
        offset += frame.height
        columns += [part["lang"].alias(lang_column(name)), part["purity"].alias(purity_column(name))]
    out = frame.with_columns(columns)
    if messages is not None:
        part = result.slice(offset, messages.height)
        per_row = (
            messages.select("__row")
            .with_columns(
                part["lang"].alias(lang_column("messages")), part["purity"].alias(purity_column("messages"))
            )
            .group_by("__row", maintain_order=True)
            .agg(pl.col(lang_column("messages")), pl.col(purity_column("messages")))
        )
        aligned = (
            pl.DataFrame({"__row": pl.int_range(frame.height, dtype=pl.UInt32, eager=True)})
            .join(per_row, on="__row", how="left", maintain_order="left")
            .with_columns(
                pl.col(lang_column("messages")).fill_null(pl.lit([], dtype=pl.List(pl.String))),
                pl.col(purity_column("messages")).fill_null(pl.lit([], dtype=pl.List(pl.Float64))),
            )
        )
        out = out.with_columns(aligned[lang_column("messages")], aligned[purity_column("messages")])
    return out, stats
