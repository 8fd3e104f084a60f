"""A user-supplied blocklist: literal keywords and/or regular expressions.

Keywords are matched literally with Aho-Corasick (`str.count_matches` on an escaped alternation would
be slower); patterns are Rust regexes (no backreferences or look-around), validated when the rule file
is loaded. The metric is the number of hits; the row fails above `max_hits` (default: any hit).
"""

from __future__ import annotations

import re
from typing import Annotated

import polars as pl

from winnow.curation.checks.params import NON_NEGATIVE
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import metric_check


@check("blocklist")
def blocklist(
    text: pl.Expr,
    keywords: list[str] | None = None,
    patterns: list[str] | None = None,
    case_sensitive: bool = False,
    max_hits: Annotated[int, NON_NEGATIVE] = 0,
) -> Check:
    """Number of blocklisted keywords (literal) and regex pattern matches; fails above max_hits."""
    keywords = [k for k in keywords or [] if k]
    patterns = [p for p in patterns or [] if p]
    flags = "" if case_sensitive else "(?i)"
    alternatives = [re.escape(k) for k in keywords] + [f"(?:{p})" for p in patterns]
    if not alternatives:
        return metric_check(pl.lit(0).cast(pl.Float64), max_hits, "max")
    pattern = flags + "|".join(alternatives)
    count = text.str.count_matches(pattern)
    return metric_check(count, max_hits, "max", span=text.str.extract(pattern, 0))
