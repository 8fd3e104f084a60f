"""Is a row a translation request (or a request to answer in a named language)? Then its instruction and
response may rightly be in different languages, and the mismatch check leaves it alone.

Recognised in English and Chinese: "translate", "translation", "into English", "in French", "翻译", "译成",
"英译中", "用英文", "英文怎么说", …; and a `task` column that says translation.
"""

from __future__ import annotations

from typing import Final

import polars as pl

_LANGUAGE_NAMES_EN: Final = (
    "english|chinese|mandarin|cantonese|japanese|korean|french|german|spanish|italian|portuguese|russian"
    "|arabic|hindi|dutch|swedish|turkish|vietnamese|thai|greek|hebrew|polish|indonesian|latin|pinyin"
)
_LANGUAGE_NAMES_ZH: Final = "英文|英语|中文|汉语|普通话|粤语|日文|日语|韩文|韩语|法文|法语|德文|德语|西班牙语|俄语|阿拉伯语|意大利语|葡萄牙语|文言文|白话文|拼音"

TRANSLATION_PATTERN: Final = (
    r"(?i)\btranslat(?:e|es|ed|ing|ion|or)\b"
    rf"|\b(?:into|to|in)\s+(?:{_LANGUAGE_NAMES_EN})\b"
    rf"|\b(?:{_LANGUAGE_NAMES_EN})\s+(?:translation|equivalent|version|word for)\b"
    r"|翻译|译成|译为|译作|翻成|英译|中译|汉译|译文"
    rf"|(?:用|以|成|为|换成|转成|转换为)(?:{_LANGUAGE_NAMES_ZH})"
    rf"|(?:{_LANGUAGE_NAMES_ZH})(?:怎么说|如何说|怎么讲|怎么写|表达|表述|版本|单词|句子)"
)


def translation_request(instruction: pl.Expr, task: pl.Expr | None = None) -> pl.Expr:
    """True where the instruction asks for a translation or names the language of the answer."""
    asked = instruction.str.contains(TRANSLATION_PATTERN).fill_null(False)
    if task is None:
        return asked
    by_task = task.cast(pl.String).str.to_lowercase().str.contains("translat|翻译").fill_null(False)
    return asked | by_task
