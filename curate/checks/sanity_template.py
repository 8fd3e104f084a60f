"""Template slots left unfilled in a text: "{{name}}", "[INSERT …]", "[Your Name]", "<your name>", "【姓名】".

Code is left out first (a Jinja or Handlebars template inside a code block is an answer, not a slot), and so
are code lines outside fences where a slot was found (`{{book.title}}` in an Angular template, `[name, grade]`
in a JavaScript loop: Code Alpaca answers are code without fences).
Overlaps with `placeholder_text` (garbage family) on "{{var}}" and "[insert …]"; this one is narrower (slots
only, no TODO/lorem) and knows the bracketed form letters and e-mails leave behind ("[Company Name]").
"""

from __future__ import annotations

from typing import Final

import polars as pl

from curate.checks.registry import Check, check
from curate.checks.sanity_text import without_code
from curate.checks.textexpr import on_gated_rows
from curate.code_lines import without_code_lines

TEMPLATE_SLOT: Final = (
    r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}"
    r"|(?i)\[\s*(?:insert|your|enter|add|fill in|placeholder|name|first name|last name|full name|company"
    r"(?: name)?|date|address|recipient|city|phone(?: number)?|email(?: address)?|job title|position"
    r"|organization|product(?: name)?)\b[^\]\n]{0,40}\](?:[^(]|$)"
    r"|(?i)<\s*(?:your|insert|enter)\b[^>\n]{0,40}>"
    r"|[\[【［]\s*(?:您的|你的|插入|填写|输入|公司|姓名|名字|日期|地址|收件人|电话|职位)[^\]】］\n]{0,20}[\]】］]"
)


# Every slot holds one of these (the code-line step below only runs where a slot was found already): only
# texts holding one are searched.
SLOT_GATE: Final = r"\{\{|\[|<|【|［"


@check("unfilled_template")
def unfilled_template(text: pl.Expr) -> Check:
    """Fails text outside code that still holds a template slot ({{name}}, [INSERT], <your name>, 【姓名】)."""
    return Check(
        # (a null text has no slot: False, as the code-line blanking below turns it into "")
        fails=on_gated_rows(
            text, SLOT_GATE, lambda t: _outside_code(t).str.contains(TEMPLATE_SLOT)
        ).fill_null(False),
        span=_outside_code(text).str.extract(f"({TEMPLATE_SLOT})", 1),
    )


def _outside_code(text: pl.Expr) -> pl.Expr:
    """The text without fenced and inline code, and without code lines where a slot was found."""
    prose = without_code(text)
    # Code lines are blanked only where a slot was found (rare rows): the others become "" rather than
    # null, since Polars' regex passes cost as much on a null-masked column as on the full one. The
    # "{{name}}" and "<your name>" slots are hidden from them meanwhile: a line with a brace or one opening
    # with a tag counts as code.
    found = pl.when(prose.str.contains(TEMPLATE_SLOT)).then(prose).otherwise(pl.lit(""))
    hidden = found.str.replace_all(r"\{\{(\s*[A-Za-z_][\w.]*\s*)\}\}", "⟦${1}⟧").str.replace_all(
        r"(?i)<(\s*(?:your|insert|enter)\b[^>\n]{0,40})>", "⟪${1}⟫"
    )
    return (
        without_code_lines(hidden)
        .str.replace_all(r"⟦([^⟧\n]*)⟧", "{{${1}}}")
        .str.replace_all(r"⟪([^⟫\n]*)⟫", "<${1}>")
    )
