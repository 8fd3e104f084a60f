"""Replies that are not answers: empty, a placeholder, a refusal, or AI-assistant boilerplate.

A refusal is judged in the light of its prompt (every user turn and the input): `refusal_response` means
refusals of benign, answerable requests. Exempt, on the rows whose opening refuses only
(bench/labels/refusal_response.jsonl: 106 of 122 flags read were refusals a curator keeps):
    ASKED_FOR_ACTION      the prompt asks the assistant to act in the world (book a flight, order a pizza, pay,
                          send, update an account), or the reply declines it as an external or physical task:
                          a text assistant without such a tool rightly declines (glaive's tool-call data).
    HARMFUL_REQUEST       the prompt asks for violence, crime, drugs, sexual content, slurs, or someone's
                          private data (SSN, phone number, address): refusing is the behaviour to learn.
    MISSING_MATERIAL      the reply says the prompt did not give the text, picture or data it refers to, and the
                          row has no input: asking for it is the answer ("总结这家餐厅的评论" with no reviews).
    NO_LIVE_DATA          the prompt asks for a price, rate or figure of the present and the reply says it has
                          no real-time data.
    REFUSAL_AS_CONTENT    the refusal is the text asked for: the prompt holds a refusal itself (a rewrite or
                          translation of given text) or asks for an excuse, an apology, a rejection or a dialogue.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.sanity_text import blank, stripped
from winnow.curation.checks.textexpr import on_gated_rows, unless_prompt_excuses

# The whole reply is a stand-in for an answer (Alpaca's "<noinput>", "N/A", Chinese 无 / 略 / 同上, "...").
# Not "None", "null" or "没有": those are real answers to real questions.
PLACEHOLDER_REPLY: Final = (
    r"(?i)^(?:n/a|n\.a\.|not applicable|no output|no response|no answer|no input|noinput"
    r"|<\s*no\s*(?:input|output|response|answer)\s*>|<\s*(?:none|empty|blank)\s*>|\(\s*no (?:output|answer)\s*\)"
    r"|tbd|todo|\.{2,}|…+|-{1,}|—+|_+|\?+|？+"
    r"|无|略|暂无|同上|不适用|空|无输出|无回答|无答案|见上|见上文|如上|此处省略|省略)[.。!！]?$"
)

# Refusals, looked for in the opening of the reply (a helpful answer rarely starts with one).
REFUSAL: Final = (
    r"(?i)\b(?:i'?m sorry|i am sorry|sorry|i apologi[sz]e|unfortunately)\b[^.!?\n]{0,80}?"
    r"\b(?:i|we)\s*(?:can(?:no|')?t|can not|am (?:not able|unable)|'m (?:not able|unable)"
    r"|do(?:n'?t| not) have (?:access|the ability)|won'?t be able|am not (?:allowed|permitted))"
    r"|\bi(?:'m| am) (?:not able|unable) to (?:help|assist|provide|answer|comply|fulfill|complete|browse"
    r"|access|generate|create|do that)"
    r"|\bi (?:cannot|can't|can not) (?:help with|assist with|provide|answer|comply|fulfill|browse|access)\b"
    r"|(?:抱歉|对不起|很遗憾|不好意思)[^。！？\n]{0,30}(?:无法|不能|没有办法|做不到|不可以)"
    r"|我(?:无法|不能)(?:回答|提供|完成|协助|帮助|访问|浏览|满足|为您)"
)
REFUSAL_WINDOW: Final = 300
# Every REFUSAL branch holds one of these (case aside, as REFUSAL's (?i) covers every branch): only replies
# holding one are searched (Unicode \b sends the regex engine down its slow path on Chinese text).
REFUSAL_GATE: Final = r"(?i)sorry|apologi|unfortunately|not able|unable|cannot|can't|can not|抱歉|对不起|很遗憾|不好意思|我无法|我不能"

AI_SELF_REFERENCE: Final = (
    r"(?i)\bas an? (?:ai|artificial intelligence)(?: language)?(?: model| assistant| chatbot)?\b"
    r"|\bas a (?:large )?language model\b"
    r"|\bi(?:'m| am) (?:just |only )?(?:an? )?(?:ai|artificial intelligence|large language model|language model)\b"
    r"|作为(?:一个|一名|一位|个)?(?:AI|人工智能|语言模型|AI语言模型|人工智能语言模型|AI助手|人工智能助手|大语言模型)"
    r"|我(?:只)?是(?:一个|一名|个)?(?:AI|人工智能|语言模型|AI语言模型|人工智能语言模型|大语言模型)"
)


@check("empty_response")
def empty_response(text: pl.Expr) -> Check:
    """Fails an empty or whitespace-only reply (zero-width characters count as nothing); null is no reply."""
    return Check(fails=blank(text))


@check("placeholder_response")
def placeholder_response(text: pl.Expr) -> Check:
    """Fails a reply that is only a stand-in: N/A, <noinput>, "...", 无, 略, 同上, 暂无, 不适用."""
    body = stripped(text)
    return Check(fails=body.str.contains(PLACEHOLDER_REPLY), span=body.str.slice(0, 40))


ASKED_FOR_ACTION: Final = (
    r"(?i)\b(?:can|could|would|will) you\b[^.?!\n]{0,30}?\b(?:book|order|reserve|buy|purchase|pay|deliver"
    r"|fetch|bring|brew|cancel|transfer|send|update)\b"
    r"|(?:你|您)(?:能|可以|能否|还能|也能|能不能)[^。？！\n]{0,8}?(?:订|预订|预定|订购|购买|点一|叫一|煮|冲|泡|寄|支付|转账|更新)"
)
DECLINED_AS_EXTERNAL: Final = r"(?i)\b(?:external|physical) tasks?\b|外部任务|物理任务"
HARMFUL_REQUEST: Final = (
    r"(?i)\b(?:kill\w*|murder\w*|hurt|poison\w*|weapons?|guns?|bombs?|explosives?|steal\w*|rob|robb\w*"
    r"|shoplift\w*|hack\w*|drugs?|cocaine|heroin|meth|fentanyl|fetanyl|dealers?|dealing|illegal\w*|launder\w*"
    r"|hide (?:money|a (?:large )?sum)|irs|cheat\w*|scam\w*|fraud\w*|racis\w*|slurs?|insults?|sex|seduc\w*"
    r"|porn\w*|nude|naked|penetration|creampie|dick|pussy|butthole|rape|suicide|ssn|social security"
    r"|(?:cell |home |mobile )?phone number|(?:home )?address|e-?mail address|personal (?:information|details)"
    r"|dark web)\b"
    r"|杀|毒品|炸弹|武器|枪支|偷|抢劫|黑客|色情|裸|自杀|诈骗|洗钱|身份证号|住址|电话号码|个人信息|隐私"
)
MATERIAL_NOT_GIVEN: Final = (
    r"(?i)\byou (?:have not|haven't|did not|didn't|have yet to) (?:provide|give|include|specify|share|attach)"
    r"|(?:您|你)(?:并)?(?:没有|未|没)(?:有)?(?:提供|给出|给定|告诉|提及|附上)"
)
ASKED_FOR_LIVE_FIGURE: Final = r"(?i)\b(?:prices?|costs?|rates?|percentage|current|today|latest|now)\b|价格|房价|率|当前|目前|今天|最新|现在"
NO_REAL_TIME_DATA: Final = r"(?i)real-time|up-to-date|实时|最新(?:的)?(?:信息|数据)"
ASKED_FOR_DECLINING_TEXT: Final = (
    r"(?i)\b(?:excuses?|apolog\w*|reject\w*|declin\w*|refus\w*|turn(?:ing)? down|dialogu?es?|conversations?)\b"
    r"|借口|道歉|拒绝|婉拒|谢绝|否定的回应|对话"
)


@check("refusal_response")
def refusal_response(text: pl.Expr) -> Check:
    """Fails a reply that opens by refusing ("I'm sorry, but I cannot…", "抱歉，我无法…") a benign,
    answerable request (not an action it cannot take, a harmful request, missing material, live data)."""
    opening = text.str.slice(0, REFUSAL_WINDOW)
    refuses = on_gated_rows(
        text, REFUSAL_GATE, lambda t: t.str.slice(0, REFUSAL_WINDOW).str.contains(REFUSAL)
    )
    return Check(
        fails=unless_prompt_excuses(text, refuses, refusal_is_right),
        span=opening.str.extract(f"({REFUSAL})", 1),
    )


def refusal_is_right(reply: pl.Expr, prompt: pl.Expr) -> pl.Expr:
    """ASKED_FOR_ACTION, HARMFUL_REQUEST, MISSING_MATERIAL, NO_LIVE_DATA or REFUSAL_AS_CONTENT (see the
    module docstring)."""
    action = prompt.str.contains(ASKED_FOR_ACTION) | reply.str.contains(DECLINED_AS_EXTERNAL)
    missing = reply.str.contains(MATERIAL_NOT_GIVEN) & pl.col("input").fill_null("").str.strip_chars().eq("")
    live = prompt.str.contains(ASKED_FOR_LIVE_FIGURE) & reply.str.contains(NO_REAL_TIME_DATA)
    content = prompt.str.contains(REFUSAL) | prompt.str.contains(ASKED_FOR_DECLINING_TEXT)
    return action | prompt.str.contains(HARMFUL_REQUEST) | missing | live | content


@check("ai_self_reference")
def ai_self_reference(text: pl.Expr) -> Check:
    """Fails "As an AI language model" / "作为一个AI语言模型" boilerplate anywhere in the text."""
    return Check(
        fails=text.str.contains(AI_SELF_REFERENCE), span=text.str.extract(f"({AI_SELF_REFERENCE})", 1)
    )
