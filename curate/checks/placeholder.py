"""Placeholder text: unfinished or templated data that slipped into a training example.

Lorem ipsum, TODO/FIXME/TBD markers, "[insert … here]" slots, unrendered template variables ("{{name}}"),
"N/A"-only replies, and their Chinese counterparts (此处填写, 待补充, 示例文本). "${x}" (code template
literals) is not a marker. The metric is the number of markers; the default allows none.

The reply (`field: response`) is judged in the light of its prompt (every user turn and the input), on the rows holding a marker
only (bench/labels/placeholder_text.jsonl: 12 of 99 flags read were these). Not counted:
    QUOTED_MARKERS       as many markers as the prompt holds: the reply quotes, transforms or lays out given
                         material ("count the words of 'Lorem ipsum dolor sit amet…'", "嗨，XXX" in the input).
    FILLER_IN_CODE       "lorem ipsum" inside a code block: the filler paragraph of an HTML or LaTeX example.
    ASKED_FOR_TEMPLATE   a template or form was asked for (winnow.curation.checks.sanity_template): its slots
                         (SLOT_MARKER) are the answer; lorem ipsum or an "N/A"-only reply still count.
    DRAFT_PARTICULARS    a letter, e-mail, script … was asked for and the marker is a particular the writer fills
                         in: "XXX大学" (XXX, the usual Chinese blank for a name), "[insert date]", "[$XX,XXX]";
                         "[insert issue]" / "[插入意见]" (the content itself) still count.
"""

from __future__ import annotations

from typing import Annotated, Final

import polars as pl

from winnow.curation.checks.params import NON_NEGATIVE, THRESHOLD
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.sanity_template import ASKED_FOR_DRAFT, ASKED_FOR_TEMPLATE, PARTICULAR_SLOT
from winnow.curation.checks.sanity_text import without_code
from winnow.curation.checks.textexpr import is_the_reply, metric_check, with_prompt

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
def placeholder_text(text: pl.Expr, max_count: Annotated[int, NON_NEGATIVE, THRESHOLD] = 0) -> Check:
    """Count of placeholder markers (lorem ipsum, TODO, [insert …], {{var}}, N/A-only, 此处填写, 待补充)."""
    found = text.str.count_matches(PLACEHOLDER_PATTERN)
    # Only a reply is excused by its prompt: judging the instruction or all_text (the prompt itself), or a
    # message alone (`field: messages`, no row to read), every marker counts.
    count = (
        with_prompt(text, found > 0, markers_not_asked_for, dtype=pl.UInt32, otherwise=0)
        if is_the_reply(text)
        else found
    )
    return metric_check(
        count,  # with_prompt gives 0 where nothing was found, as `found` is
        max_count,
        "max",
        span=text.str.extract(PLACEHOLDER_PATTERN, 0),
    )


LOREM: Final = r"(?i)lorem ipsum|dolor sit amet"
# The markers that are slots (what a template asked for holds), not lorem ipsum or an "N/A"-only reply.
SLOT_MARKER: Final = (
    r"(?i:\[(?:insert|placeholder)[^\]]{0,40}\])|(?i:<(?:insert|placeholder)[^>]{0,40}>)"
    r"|\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}|(?-u:\b)XXX(?-u:\b)"
)
# A particular left blank in a draft: the bracketed particulars of sanity_template, and XXX / XX,XXX.
DRAFT_BLANK: Final = rf"(?:{PARTICULAR_SLOT})|(?-u:\b)\$?X{{2,}}(?:,X{{3}})*(?-u:\b)"


def markers_not_asked_for(reply: pl.Expr, prompt: pl.Expr) -> pl.Expr:
    """Markers of the reply less QUOTED_MARKERS, FILLER_IN_CODE, DRAFT_PARTICULARS, and less its slots where
    a template was asked for (ASKED_FOR_TEMPLATE; see the module docstring)."""
    code_lorem = reply.str.count_matches(LOREM) - without_code(reply).str.count_matches(LOREM)
    drafted = prompt.str.contains(ASKED_FOR_DRAFT)
    own = pl.when(drafted).then(reply.str.replace_all(DRAFT_BLANK, "")).otherwise(reply)
    left = own.str.count_matches(PLACEHOLDER_PATTERN).cast(pl.Int64) - code_lorem.cast(pl.Int64)
    unquoted = (left - prompt.str.count_matches(PLACEHOLDER_PATTERN).cast(pl.Int64)).clip(lower_bound=0)
    own_slots = reply.str.count_matches(SLOT_MARKER).cast(pl.Int64)
    return (
        pl.when(prompt.str.contains(ASKED_FOR_TEMPLATE))
        .then((unquoted - own_slots).clip(lower_bound=0))
        .otherwise(unquoted)
    )
