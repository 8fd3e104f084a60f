"""Prompts and replies that are not one clean example: several instructions merged into one row, and an
input that points at content the model cannot see (a bare URL, an attached picture, "see the graph above").

Measured on the labeled flags (bench/labels/merged_instructions.jsonl, input_unseen_content.jsonl):
    NUMBERED_TASK      a glued task numbers its instruction ("5. 说明：", "18. Instruction:"); a numbered "Input:"
                       or "Output:" alone is a step of a list ("1. Input: The first step involves entering data").
    CODE_ASKED         text whose instruction asks for code (curate/checks/asked_form.py, ASKS_FOR_CODE) refers to
                       nothing unseen: its markup (<img src="logo.png">) and URLs are the data the code works on.
    URL_AS_DATA        an instruction about the address itself (its domain, subdomain, parameters, registration)
                       needs the link, not the page behind it ("output the domain of that URL").
The last two read the prompt, only on the rows the rule would fail.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from winnow.curation.checks.asked_form import ASKS_FOR_CODE
from winnow.curation.checks.registry import Check, check
from winnow.curation.checks.textexpr import (
    asked_turn,
    contains_any,
    field_beside,
    on_gated_rows,
    unless_prompt_excuses,
)

# Alpaca's generator glued the next task onto a reply: "\n##\n18. Instruction: …\n18. Input:\n…".
MERGED_INSTRUCTIONS: Final = (
    r"\n[ \t]*#{2,}[ \t]*\n"
    r"|(?im)^[ \t]*\d+[ \t]*\.[ \t]*instruction[ \t]*:"  # NUMBERED_TASK
    r"|(?im)^[ \t]*#{1,4}[ \t]*(?:instruction|input|response)[ \t]*:?[ \t]*$"
    r"|(?im)^[ \t]*instruction[ \t]*:"
    # "指示：" is left out: it is how recipes' "Instructions:" section comes out of machine translation.
    r"|(?m)^[ \t]*(?:\d+[ \t]*[.、．][ \t]*)?指令[ \t]*[:：]"
    r"|(?m)^[ \t]*\d+[ \t]*[.、．][ \t]*说明[ \t]*[:：]"  # NUMBERED_TASK
    r"|(?m)^[ \t]*#{1,4}[ \t]*(?:指令|输入|输出|回答)[ \t]*[:：]?[ \t]*$"
)

# Content a text-only model cannot see: a bare link, an attachment marker, a reference to a picture/figure.
# One regex per branch (each with the flags it has in UNSEEN_CONTENT, the alternation of them all): matched
# one by one they are 5x faster (see `contains_any`); the two slow branches run behind a literal gate.
_SEEN_AS: Final = (
    r"(?:attached|above|below|following|provided|given|this|these|shown)\s+"
    r"(?:image|picture|photo|photograph|graph|chart|diagram|figure|screenshot|video|audio|recording|drawing)"
)
BARE_LINK: Final = r"(?i)^\s*<?(?:https?://|www\.)\S+>?\s*$"
UNSEEN_PARTS: Final[tuple[str | tuple[str, str], ...]] = (
    BARE_LINK,
    r"(?i)<\s*(?:picture|image|photo|img|video|audio|file|attachment|graph|chart|diagram)\b[^>\n]{0,30}>",
    r"(?i)\[\s*(?:picture|image|photo|img|video|audio|attachment|graph|chart|diagram)\b[^\]\n]{0,30}\]",
    (rf"(?i)\b{_SEEN_AS}s?\b", f"(?i){_SEEN_AS}"),
    r"(?i)\b(?:image|picture|photo|graph|chart|diagram|figure|screenshot)s?\s+(?:above|below|attached|provided)\b",
    r"(?i)\bsee (?:the )?(?:attached|attachment|image|picture|figure|graph|chart)\b",
    # Not a bare "图中": 条形图中 / 流程图中 / 给定图中 (a graph in the graph-theory sense) are not pictures.
    r"(?i)如图|见图|如下图",
    (r"(?i)(?:^|[^以])[上下]图", "[上下]图"),
    r"(?i)附图|图片如下|见附件|附件中|附件里|附件所示",
    r"(?i)(?:这|该|以下|下面|上面|所给|给定的?)(?:张|幅|段)?(?:图片|图像|照片|图表|视频|音频|录音)",
)
UNSEEN_CONTENT: Final = "|".join(p if isinstance(p, str) else p[0] for p in UNSEEN_PARTS)
# A necessary condition of every part but BARE_LINK: each names a picture/file/figure word or 图/附件/照片/
# 视频/音频/录音 ("photograph" holds "photo", "attached" "attach"; "paragraph" passes the gate, harmlessly).
UNSEEN_GATE: Final = (
    r"(?i)image|picture|photo|img|video|audio|file|attach|graph|chart|diagram|figure|screenshot|recording"
    r"|drawing|图|附件|照片|视频|音频|录音"
)


URL_AS_DATA: Final = r"(?i)\b(?:domain|subdomains?|parameters?|query string|whois|registration|registrar)\b|域名|子域|的域|参数"


@check("merged_instructions")
def merged_instructions(text: pl.Expr) -> Check:
    """Fails text that carries another task's headers ("\\n##\\n2. Instruction:", "### Input:", "指令：")."""
    return Check(
        fails=text.str.contains(MERGED_INSTRUCTIONS), span=text.str.extract(f"({MERGED_INSTRUCTIONS})", 1)
    )


@check("references_unseen_content")
def references_unseen_content(text: pl.Expr) -> Check:
    """Fails text that is only a URL the reply does not use, or points at a picture, file or figure the model
    cannot see. A reply that writes the link out (code that fetches or parses it: "fetch('https://…')")
    needed the address, not the page behind it."""
    url_only = text.str.contains(BARE_LINK)
    # elsewhere the link is "" (found at once; null would not spare the search, see unfilled_template)
    link = pl.when(url_only).then(text).otherwise(pl.lit("")).str.strip_chars().str.strip_chars("<>")
    used = field_beside(text, "response").str.contains(link, literal=True).fill_null(False)
    bare_link = url_only & ~used
    unseen = bare_link | on_gated_rows(text, UNSEEN_GATE, lambda t: contains_any(t, UNSEEN_PARTS[1:]))
    return Check(
        fails=unless_prompt_excuses(text, unseen, _content_is_data),
        span=text.str.extract(f"({UNSEEN_CONTENT})", 1),
    )


def _content_is_data(text: pl.Expr, prompt: pl.Expr) -> pl.Expr:
    """CODE_ASKED or URL_AS_DATA, read in the last user turn (the instruction; the input is what is judged)."""
    del text, prompt
    asked = asked_turn()
    return ASKS_FOR_CODE.named_in(asked) | asked.str.contains(URL_AS_DATA)
