"""Template slots left unfilled in a text: "{{name}}", "[INSERT …]", "[Your Name]", "<your name>", "【姓名】".

Code is left out first (a Jinja or Handlebars template inside a code block is an answer, not a slot).
Overlaps with `placeholder_text` (garbage family) on "{{var}}" and "[insert …]"; this one is narrower (slots
only, no TODO/lorem) and knows the bracketed form letters and e-mails leave behind ("[Company Name]").
"""

from __future__ import annotations

from typing import Final

import polars as pl

from curate.checks.registry import Check, check
from curate.checks.sanity_text import without_code

TEMPLATE_SLOT: Final = (
    r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}"
    r"|(?i)\[\s*(?:insert|your|enter|add|fill in|placeholder|name|first name|last name|full name|company"
    r"(?: name)?|date|address|recipient|city|phone(?: number)?|email(?: address)?|job title|position"
    r"|organization|product(?: name)?)\b[^\]\n]{0,40}\](?:[^(]|$)"
    r"|(?i)<\s*(?:your|insert|enter)\b[^>\n]{0,40}>"
    r"|[\[【［]\s*(?:您的|你的|插入|填写|输入|公司|姓名|名字|日期|地址|收件人|电话|职位)[^\]】］\n]{0,20}[\]】］]"
)


@check("unfilled_template")
def unfilled_template(text: pl.Expr) -> Check:
    """Fails text outside code that still holds a template slot ({{name}}, [INSERT], <your name>, 【姓名】)."""
    prose = without_code(text)
    return Check(fails=prose.str.contains(TEMPLATE_SLOT), span=prose.str.extract(f"({TEMPLATE_SLOT})", 1))
