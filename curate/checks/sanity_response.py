"""Replies that are not answers: empty, a placeholder, a refusal, or AI-assistant boilerplate."""

from __future__ import annotations

from typing import Final

import polars as pl

from curate.checks.registry import Check, check
from curate.checks.sanity_text import blank, stripped
from curate.checks.textexpr import on_gated_rows

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


@check("refusal_response")
def refusal_response(text: pl.Expr) -> Check:
    """Fails a reply that opens by refusing ("I'm sorry, but I cannot…", "抱歉，我无法…")."""
    opening = text.str.slice(0, REFUSAL_WINDOW)
    refuses = on_gated_rows(
        text, REFUSAL_GATE, lambda t: t.str.slice(0, REFUSAL_WINDOW).str.contains(REFUSAL)
    )
    return Check(fails=refuses, span=opening.str.extract(f"({REFUSAL})", 1))


@check("ai_self_reference")
def ai_self_reference(text: pl.Expr) -> Check:
    """Fails "As an AI language model" / "作为一个AI语言模型" boilerplate anywhere in the text."""
    return Check(
        fails=text.str.contains(AI_SELF_REFERENCE), span=text.str.extract(f"({AI_SELF_REFERENCE})", 1)
    )
