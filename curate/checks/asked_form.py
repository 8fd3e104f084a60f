"""What form the prompt asked the reply to take: code, notation, numbers, emoji.

A reply is not garbage because of its characters when its prompt asked for exactly those characters: a regex
is mostly symbols, a multiplication table mostly digits, "translate this phrase into emoji" is all pictographs.
The character-composition checks (curate/checks/ratios.py, symbols.py) do not judge a reply whose
instruction names one of the forms below, and the URL ratio does not judge a reply whose instruction asks
for links, sources or a web page (a reading list is mostly URLs); measured on hand-labeled real rows (bench/labels: of the rows these
checks flagged, the regexes of Code Alpaca, the HTML and markdown tables asked for, the arithmetic asked for
"in symbols only" were all fine).

Each form is a list of words looked for in the instruction (the last user turn: where the ask is), whole words
for English, substrings for Chinese. `asks_for` reads the instruction of the row, so a text judged alone
(a message under `field: messages`) has no prompt and no exemption.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import polars as pl

from winnow.curation.checks.registry import Direction
from winnow.curation.checks.textexpr import contains_any, field_beside, on_candidate_rows, on_gated_rows

# Code in any language (fenced or not), a regex, a query, markup and data formats, tables and drawings, Morse,
# math notation: the reply *is* symbols.
NOTATION_EN: Final = (
    "code", "program", "function", "script", "snippet", "class", "method", "regex", "regexp",
    "regular expression", "sql", "query", "html", "css", "json", "xml", "yaml", "markdown", "latex", "tag",
    "table", "chart", "graph", "histogram", "diagram", "grid", "matrix", "array", "ascii", "morse", "equation",
    "formula", "expression", "symbols", "sudoku", "truth table", "emoji", "emojis", "emoticon", "emoticons",
)  # fmt: skip
NOTATION_ZH: Final = (
    "代码", "程序", "脚本", "正则", "查询", "网页", "标签", "表格", "乘法表", "图表", "直方图", "饼图",
    "矩阵", "数组", "摩尔斯", "方程", "公式", "表达式", "符号", "表情",
)  # fmt: skip
# Numbers asked for: lists and sequences of numbers, arithmetic, tables of figures, random values, code.
NUMBERS_EN: Final = (
    "number", "numbers", "integer", "integers", "digits", "sequence", "series", "prime", "primes",
    "calculate", "compute", "solve", "multiply", "multiplied", "divide", "divided", "add", "subtract", "sum",
    "multiplication", "math", "mathematical", "equation", "expression", "random", "binary", "hexadecimal",
    "coordinates", "table", "sudoku", "code", "program", "function",
)  # fmt: skip
NUMBERS_ZH: Final = (
    "数字", "整数", "偶数", "奇数", "数列", "序列", "质数", "素数", "计算", "求解", "乘法", "乘以", "除以", "相加", "相减",
    "加法", "减法", "随机", "二进制", "十六进制", "坐标", "表格", "乘法表", "代码", "程序",
)  # fmt: skip
# Links asked for: sources, references, websites, a URL to build or fetch (a tool that takes one), an API call,
# markup that embeds one.
LINKS_EN: Final = (
    "link", "links", "url", "urls", "website", "websites", "web page", "webpage", "webpages", "site", "sites",
    "source", "sources", "citation", "citations", "reference", "references", "resource", "resources",
    "playlist", "playlists", "wikipedia", "bibliography", "api", "endpoint", "html", "markdown",
)  # fmt: skip
LINKS_ZH: Final = ("链接", "网址", "网站", "网页", "来源", "出处", "引文", "引用", "参考", "资源", "维基")
# Code asked for, in any language (fenced or not): a program, a function, a query, a stylesheet, a regex, a
# shell command. Narrower than NOTATION (no tables, charts or emoji): the form of an answer that is complete in
# one line ("p { color: blue; }", "SELECT …;") and that has no sentences to end.
CODE_EN: Final = (
    "code", "program", "function", "script", "snippet", "regex", "regexp", "regular expression", "sql",
    "query", "html", "css", "javascript", "typescript", "python", "java", "php", "ruby", "django", "bash",
    "shell",
)  # fmt: skip
CODE_ZH: Final = ("代码", "程序", "脚本", "函数", "正则", "编程")
# Pictographs asked for.
EMOJI_EN: Final = ("emoji", "emojis", "emoticon", "emoticons", "icons", "symbols")
EMOJI_ZH: Final = ("表情", "符号", "图标")


class AskedForm(NamedTuple):
    """A form's words as one regex (`pattern`: English whole words, Chinese substrings) and as its parts."""

    pattern: str
    gate: str  # every word without its boundaries: a necessary condition the regex engine prefilters on
    english: str  # the English words, whole (Unicode \b: slow on Chinese text, so run behind english_gate)
    english_gate: str
    chinese: str

    def named_in(self, text: pl.Expr) -> pl.Expr:
        """`text.str.contains(self.pattern)`, with the English words read only on texts holding one."""
        return contains_any(text, [(self.english, self.english_gate), self.chinese])


def _longest_first(words: set[str]) -> str:
    """An alternation, longest words first; ties alphabetical, never in set order: a set's order changes
    with each process's string hash seed, and with it the pattern, the metric cache identity of every check
    that reads it, so a fresh process (a re-run, a Ray worker) would compute those metrics again."""
    return "|".join(sorted(words, key=lambda word: (-len(word), word)))


def _form(english: tuple[str, ...], chinese: tuple[str, ...]) -> AskedForm:
    words = "|".join(sorted(english, key=len, reverse=True))
    return AskedForm(
        pattern=rf"(?i)\b(?:{words})\b|" + "|".join(chinese),
        gate="(?i)" + _longest_first({*english, *chinese}),
        english=rf"(?i)\b(?:{words})\b",
        english_gate="(?i)" + _longest_first(set(english)),
        chinese="|".join(chinese),
    )


ASKS_FOR_NOTATION: Final = _form(NOTATION_EN, NOTATION_ZH)
ASKS_FOR_NUMBERS: Final = _form(NUMBERS_EN, NUMBERS_ZH)
ASKS_FOR_EMOJI: Final = _form(EMOJI_EN, EMOJI_ZH)
ASKS_FOR_LINKS: Final = _form(LINKS_EN, LINKS_ZH)
ASKS_FOR_CODE: Final = _form(CODE_EN, CODE_ZH)


def asks_for(form: AskedForm, text: pl.Expr) -> pl.Expr:
    """True where the row's instruction names `form`; False for a text with no row around it."""
    if not text.meta.root_names():  # pl.element(): a message judged alone has no prompt
        return pl.lit(False)
    return on_gated_rows(field_beside(text, "instruction"), form.gate, form.named_in).fill_null(False)


def unless_asked(
    form: AskedForm, text: pl.Expr, metric: pl.Expr, *, beyond: float, direction: Direction
) -> pl.Expr:
    """`metric`, null (not judged) where the instruction asked for `form`.

    The instruction is read only on the rows whose metric is `beyond` a fixed bound in `direction` ("max":
    above it, "min": below it), a bound looser than any sensible threshold: the few rows a composition check
    could fail. It is not the rule's own threshold, since the metric cache keeps a metric across threshold
    changes; a threshold set past the bound judges the rows in between without their prompt."""
    if not text.meta.root_names():  # pl.element(): a message judged alone has no prompt
        return metric
    candidate = metric > beyond if direction == "max" else metric < beyond
    asked = on_candidate_rows(candidate, field_beside(text, "instruction"), form.named_in)
    return pl.when(~asked).then(metric)
