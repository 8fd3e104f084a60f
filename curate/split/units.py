"""The unit of split assignment: the rows that must land in one split.

Two links join rows into one unit, and a unit is everything they connect:

    same prompt    rows whose normalized prompt is the same (instruction + input, or every turn up to the last
                   user turn; the dedup stage's normalization: NFKC, lower case, whitespace collapsed). Several
                   answers to one prompt are common (8 models x 252 self-instruct prompts, a prompt asked
                   in several sources); one of them in train and another in test grades the model on a prompt
                   it was trained on. Dedup on or off, so it is the split's own rule (`keep_prompts_together`).
    same cluster   rows of one near-duplicate cluster (`dup_cluster`, `keep_clusters_together`): near copies
                   of a prompt whose text differs a little.

A unit's key (what its position u is hashed from) is the smallest of its members' own keys: "cluster:<id>",
"prompt:<normalized prompt>" or "row:<id>" — a row's own key is its prompt's, else its cluster's, else its
id. Keys are made of the rows' content, not their order, so adding rows moves a unit only when a new row
joins it to another one.

Components are found by propagating the smallest key along both links until nothing changes (Polars window
minimums; each round is two passes, and units in instruction data are a link or two across).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from winnow.curation.dedup.normalize import key_expr, normalized
from winnow.curation.dedup.normalize_kernel import normalize_texts

PROMPT_COLUMN: Final = "__prompt"
CLUSTER_COLUMN: Final = "dup_cluster"


def _raw_prompt() -> pl.Expr:
    prompt = key_expr("instruction_input")
    # key_expr falls back to `text` for pretrain rows: a document is not a prompt
    return pl.when(pl.col("kind") == "pretrain").then(None).otherwise(prompt)


def prompt_key() -> pl.Expr:
    """The normalized prompt of a row (null for a row without one, e.g. pretrain text)."""
    return normalized(_raw_prompt())


def prompt_keys(rows: pl.LazyFrame) -> pl.Series:
    """`prompt_key()` of every row, normalized by the compiled pass (winnow.curation.dedup.normalize_kernel:
    the same values, ~4x less CPU than the expression)."""
    raw = rows.select(_raw_prompt().alias(PROMPT_COLUMN)).collect().to_series()
    return normalize_texts(raw, fold=True, punctuation=False)


def unit_key(rows: pl.DataFrame, *, prompts: bool, clusters: bool) -> pl.Series:
    """The unit key of every row of `rows` (columns id, and PROMPT_COLUMN / dup_cluster where present)."""
    links = []
    if prompts and PROMPT_COLUMN in rows.columns:
        links.append(PROMPT_COLUMN)
    if clusters and CLUSTER_COLUMN in rows.columns:
        links.append(CLUSTER_COLUMN)
    own = pl.lit("row:") + pl.col("id")
    for column in reversed(links):  # a row's own key: its prompt's, else its cluster's, else its id
        tag = "prompt:" if column == PROMPT_COLUMN else "cluster:"
        own = pl.when(pl.col(column).is_not_null()).then(pl.lit(tag) + pl.col(column)).otherwise(own)
    work = rows.select(*links, own.alias("__unit"))
    for _ in range(rows.height + 1):  # bounded: a round that changes nothing ends it, and one always comes
        spread = work
        for column in links:  # the smallest key of each linked group, to every member (null: no link)
            group_min = pl.when(pl.col(column).is_not_null()).then(pl.col("__unit").min().over(column))
            spread = spread.with_columns(pl.min_horizontal("__unit", group_min).alias("__unit"))
        if spread["__unit"].equals(work["__unit"]):
            break
        work = spread
    return work["__unit"]
