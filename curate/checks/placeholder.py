"""Placeholder text: unfinished or templated data that slipped into a training example.

Lorem ipsum, TODO/FIXME/TBD markers, "[insert … here]" slots, unrendered template variables ("{{name}}"),
"N/A"-only replies, and their Chinese counterparts (此处填写, 待补充, 示例文本). Not counted: "[Your Name]"
in a letter and "XXX大学" in a template (a person asked for a template), "${x}" (code template literals).
The metric is the number of markers; the default allows none.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

from curate.checks.params import NON_NEGATIVE
from curate.checks.registry import Check, check
from curate.checks.textexpr import metric_check

PLACEHOLDER_PATTERN = (
    r"(?i:lorem ipsum|dolor sit amet)"
    # ASCII word boundaries: a Unicode \b forces the slow regex engine on every non-ASCII text
    r"|(?-u:\b)(?:TODO|FIXME|TBD|XXX)(?-u:\b):?"
    r"|(?i:\[(?:insert|placeholder)[^\]]{0,40}\])"
    r"|(?i:<(?:insert|placeholder)[^>]{0,40}>)"
    r"|\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}"  # unrendered template variables (identity.json's {{name}})
    r"|^\s*(?i:n/?a|none|null|nan|empty|no output|<no ?output>)\s*\.?\s*$"
    r"|此处(?:填写|输入|省略)|待补充|待完善|示例文本"
)


@check("placeholder_text")
def placeholder_text(text: pl.Expr, max_count: Annotated[int, NON_NEGATIVE] = 0) -> Check:
    """Count of placeholder markers (lorem ipsum, TODO, [insert …], {{var}}, N/A-only, 此处填写, 待补充)."""
    count = text.str.count_matches(PLACEHOLDER_PATTERN)
    return metric_check(count, max_count, "max", span=text.str.extract(PLACEHOLDER_PATTERN, 0))
