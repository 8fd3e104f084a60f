"""Template slots left unfilled in a text: "{{name}}", "[INSERT …]", "[Your Name]", "<your name>", "【姓名】".

Code is left out first (a Jinja or Handlebars template inside a code block is an answer, not a slot), and so
are code lines outside fences where a slot was found (`{{book.title}}` in an Angular template, `[name, grade]`
in a JavaScript loop: Code Alpaca answers are code without fences).
Overlaps with `placeholder_text` (garbage family) on "{{var}}" and "[insert …]"; this one is narrower (slots
only, no TODO/lorem) and knows the bracketed form letters and e-mails leave behind ("[Company Name]").

The reply is judged in the light of its prompt (every user turn and the input). Exempt, on the rows a slot was
found in only (bench/labels/unfilled_template.jsonl: 68 of 123 flags read were these):
    ASKED_FOR_TEMPLATE   the prompt asks for a template or form: slots are the answer.
    ASKED_FOR_DRAFT      the prompt asks for a letter, e-mail, message, invitation, script, post, speech, ad …
                         and every bracketed slot left in the reply is a particular the writer fills in
                         (PARTICULAR_SLOT: a name, title, company, date, time, place, contact, amount):
                         "Sincerely, [Your Name]". A draft whose content is slots ("我相信[插入意见]",
                         "[问题]", "[主题描述]") still fails.
    SLOT_IN_PROMPT       the prompt holds a slot itself: the reply rewrites or continues a given draft.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.sanity_text import without_code
from winnow.curation.checks.textexpr import on_gated_rows, unless_prompt_excuses
from winnow.curation.code_lines import without_code_lines

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


# The prompt asks for a template, form or fill-in document: every slot is the answer.
ASKED_FOR_TEMPLATE: Final = r"(?i)\btemplates?\b|\bform letter\b|\bfill-in\b|模板|模版|范本|样板"

_DOCUMENTS_EN: Final = (
    r"letter|e-?mail|message|note|memo|invitation|invite|announcement|press release|post|tweet|speech|toast"
    r"|script|ad|advert|advertisement|banner|closing|signature|resume|cv|proposal|offer|reply|response|introduction"
    r"|apology"
)
# The prompt asks for a document written from or to people it does not name: a letter, e-mail, script, post …
ASKED_FOR_DRAFT: Final = (
    r"(?i)\b(?:writ(?:e|ing)|draft(?:ing)?|compos(?:e|ing)|create|generate|prepare|craft|produce|send|give|provide|make)\b"
    rf"[^.?!\n]{{0,80}}?\b(?:{_DOCUMENTS_EN})s?\b"
    rf"|\b(?:{_DOCUMENTS_EN})s?\b[^.?!\n]{{0,40}}?\bbe written\b"
    r"|(?:写|撰写|起草|草拟|创建|生成|编写|创作|准备|发送|提供|组织)[^。？！\n]{0,30}?"
    r"(?:信|情书|邮件|消息|短信|便条|备忘录|邀请|公告|通知|声明|演讲|致辞|脚本|剧本|简历|广告|帖子|回应|回复|介绍|报价|聘书)"
)

# A slot standing for a particular the writer fills in: who (a name, title, company, addressee), when, where,
# how to reach them, how much; or a list of those ("[Location, State]"). Not the content: [insert issue],
# [主题描述], [原因], [对这个问题的看法] are not particulars.
_PARTICULAR_EN: Final = (
    r"(?:[\w'’]+\s+){0,3}?"  # "your", "recipient's", "hiring manager's", "charity", "communications"
    r"(?:(?:full |first |last )?name|title|position|role|company|organi[sz]ation|business|school|university"
    r"|department|course|subject|class|product|brand|recipient|addressee|candidate|customer|client|employer"
    r"|manager|recruiter|friend(?: \d+)?|partner|colleague|professor|editor|date|time|duration|day|location|venue"
    r"|address|city|hometown|state|country|age|phone(?: number)?|e-?mail(?: address)?|contact(?: information| info"
    r"| details)?|website|signature|amount|salary|\$?x[x,.]*)"
)
_PARTICULAR_ZH: Final = (
    r"[^\]】］\n/、，,]{0,6}?"  # "您的", "插入", "候选人", "您律所的", "职位"
    r"(?:全名|姓名|名字|名称|称呼|职位|职称|職稱|职务|头衔|公司|组织|机构|学校|大学|部门|课程|产品|服务|品牌|收件人"
    r"|客户|顾客|候选人|经理|老板|朋友|伙伴|伴侣|同事|教授|编辑|日期|时间|地点|地址|城市|家乡|国家|地区|年龄|电话(?:号码)?|邮箱"
    r"|电子邮件|联系方式|联系信息|网站|签名|金额|薪资)"
)
_LIST: Final = r"\s*(?:,|/|、|，|\band\b|\bor\b|和|或)\s*"
PARTICULAR_SLOT: Final = (
    rf"(?i)\[\s*(?:(?:insert|enter|add)\s+)?{_PARTICULAR_EN}(?:{_LIST}{_PARTICULAR_EN})*\s*\]"
    rf"|[\[【［]\s*{_PARTICULAR_ZH}(?:{_LIST}{_PARTICULAR_ZH})*\s*[\]】］]"
)
# Any short bracketed span outside a Markdown link: what is left of it once the particulars are taken out
# is a content slot.
BRACKETED_SPAN: Final = r"[\[【［][^\]】］\n]{1,60}[\]】］](?:[^(]|$)"


@check("unfilled_template")
def unfilled_template(text: pl.Expr) -> Check:
    """Fails text outside code that still holds a template slot ({{name}}, [INSERT], <your name>, 【姓名】)
    that the prompt did not ask for (a template; a draft's particulars; slots given in the prompt)."""
    has_slot = on_gated_rows(
        text, SLOT_GATE, lambda t: _outside_code(t).str.contains(TEMPLATE_SLOT)
    ).fill_null(False)  # (a null text has no slot: False, as the code-line blanking turns it into "")
    return Check(
        fails=unless_prompt_excuses(text, has_slot, slots_asked_for),
        span=_outside_code(text).str.extract(f"({TEMPLATE_SLOT})", 1),
    )


def slots_asked_for(reply: pl.Expr, prompt: pl.Expr) -> pl.Expr:
    """The slots are what the prompt asked for: ASKED_FOR_TEMPLATE, SLOT_IN_PROMPT, or ASKED_FOR_DRAFT with
    particulars only (see the module docstring)."""
    slot_in_prompt = prompt.str.contains(TEMPLATE_SLOT)
    only_particulars = ~reply.str.replace_all(PARTICULAR_SLOT, "").str.contains(BRACKETED_SPAN)
    draft = prompt.str.contains(ASKED_FOR_DRAFT) & only_particulars
    return prompt.str.contains(ASKED_FOR_TEMPLATE) | slot_in_prompt | draft


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
