"""Markup residue: HTML tags/entities left in text, and markdown debris from scraped pages.

A reply that *is* HTML (an answer to "write a web page") legitimately has tags: fenced code blocks are
not counted, and the HTML check is a ratio with a generous default; the markdown check counts debris
that never belongs in a reply.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

from winnow.curation.checks.params import NON_NEGATIVE, RATIO, THRESHOLD
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import chars, guarded, metric_check, on_gated_rows, prose, ratio

HTML_PATTERN = (
    r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"  # tags: <p>, </div>, <br/>, <a href="…">
    r"|&(?:nbsp|amp|lt|gt|quot|apos|#[0-9]{1,6}|#x[0-9A-Fa-f]{1,6});"  # entities
)
# Scraped-page debris: images, empty links, wiki edit links and citation marks, HTML comments.
MARKDOWN_RESIDUE_PATTERN = (
    r"!\[[^\]]*\]\([^)]*\)"  # ![alt](src): an image the model cannot see
    r"|\[\]\([^)]*\)|\[[^\]]+\]\(\)"  # [](url) or [text]()
    r"|\[(?:edit|编辑|citation needed|来源请求)\]"  # wiki UI text
    r"|<!--"  # HTML comment opener
)


@check("max_html_ratio")
def max_html_ratio(
    text: pl.Expr,
    max_ratio: Annotated[float, RATIO, THRESHOLD] = 0.3,
    min_chars: Annotated[int, NON_NEGATIVE] = 20,
) -> Check:
    """Share of characters outside fenced code that are inside HTML tags or entities (&nbsp;, &#39;).

    A text that opens and closes with a tag is markup on purpose (the page or form an instruction asked for,
    often without a code fence in Code Alpaca), not residue of a scraped page: it is not judged."""
    text = prose(text)
    # Both run only on the few texts holding a "<" or "&" (on_gated_rows): the others have no tag.
    markup = on_gated_rows(text, "<", lambda t: t.str.contains(r"^\s*<") & t.str.contains(r">\s*$"))
    tag_chars = on_gated_rows(text, "[<&]", _tag_chars, dtype=pl.Int64, otherwise=0)
    metric = pl.when(~markup).then(guarded(ratio(tag_chars, chars(text)), text, min_chars))
    return metric_check(metric, max_ratio, "max", span=text.str.extract(HTML_PATTERN, 0))


def _tag_chars(text: pl.Expr) -> pl.Expr:
    return text.str.extract_all(HTML_PATTERN).list.eval(pl.element().str.len_chars()).list.sum()


@check("max_markdown_residue")
def max_markdown_residue(text: pl.Expr, max_count: Annotated[int, NON_NEGATIVE] = 0) -> Check:
    """Count of scraped-page debris: image embeds, empty links, [edit]/[编辑] marks, HTML comments."""
    count = text.str.count_matches(MARKDOWN_RESIDUE_PATTERN)
    return metric_check(count, max_count, "max", span=text.str.extract(MARKDOWN_RESIDUE_PATTERN, 0))
