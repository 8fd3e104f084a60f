"""The built-in task classifier: keyword, regex and structure rules over zh and en text, as Polars expressions.

Each rule is (task, condition, confidence); the first rule that holds wins, in the order below. The order is
the design: structure first (tools, several user turns), then verbs that name a task outright (translate,
summarize), then content (code, arithmetic), then the softer request types, then question shapes.
Confidence is set per rule by hand from the agreement bench (bench/tasks.py, bench/results/tasks.md):
0.95 for structure (tool calls), 0.8-0.95 when two signals agree (a code keyword and code in the reply,
a math word problem and arithmetic in the reply), 0.55-0.85 for single keyword rules, 0.3 for `other`.
On data with real labels, rows the classifier gets right carry visibly higher confidence than rows it
gets wrong (e.g. 0.86 vs 0.57 on GSM8K), so `tasks.min_confidence` is a meaningful knob.

Polars regexes are Rust regexes: no look-around or backreferences. `(?-u:\b)` is Unicode-aware, so it is useless
next to CJK characters; Chinese alternatives are written without it.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from winnow.curation.record import instruction_expr, response_expr

_LANGS = (
    "english|chinese|french|spanish|german|japanese|korean|italian|russian|portuguese|arabic|hindi|"
    "mandarin|cantonese|dutch|turkish|vietnamese|latin|greek|swedish|polish"
)
TRANSLATION = (
    rf"(?i)(?-u:\b)translat(e|ed|es|ion|ing)(?-u:\b)|(?-u:\b)(in|into|to) ({_LANGS})(?-u:\b).{{0,20}}$|^({_LANGS}) to ({_LANGS})(?-u:\b)"
    r"|翻译|译成|译为|翻成|英译中|中译英|译文|用(英语|英文|中文|汉语|法语|日语|德语|韩语)(怎么)?(说|表达)"
)
SUMMARIZATION = (
    r"(?i)(?-u:\b)summar(y|ies|ize|ise|ized|izing|ization|isation)(?-u:\b)|(?-u:\b)tl;?dr(?-u:\b)|(?-u:\b)main (idea|points?)(?-u:\b)"
    r"|(?-u:\b)condense(?-u:\b)|(?-u:\b)gist(?-u:\b)|(?-u:\b)key takeaways?(?-u:\b)|总结|摘要|概括|归纳|概述|主要内容|中心思想|要点"
)
CODE_KEYWORDS = (
    r"(?i)(?-u:\b)(in|using|with|into) (ruby|rust|swift|go|scala|perl|kotlin|react|r|c|dart|lua)(?-u:\b)|"
    r"(?i)(?-u:\b)(python|javascript|typescript|java|c\+\+|c#|golang|php|sql|"
    r"mysql|html|css|jquery|react|node\.js|bash|shell script|powershell|regex|regular expression|code|"
    r"coding|program|programming|script|algorithm|pseudocode|compile|debug|snippet|api endpoint|"
    r"linked list|binary tree|hash ?map|recursion|recursive function)(?-u:\b)|代码|编程|(编写|写).{0,8}程序|"
    r"程序(代码|设计|员)|算法|脚本|伪代码|"
    r"编写.{0,10}函数|数据结构|链表|二叉树|递归"
)
CODE_WEAK = (
    r"(?i)(?-u:\b)(arrays?|list comprehension|strings?|integers?|variables?|loops?|functions?|methods?|class|objects?|"
    r"dataframe|pandas|numpy|database|query|mongodb|json|xml|api|library|syntax|boolean|dictionary|"
    r"data structure|stack|queue|sort(ing)? (the|an?) (array|list))(?-u:\b)|数组|字符串|变量|函数|循环|数据库"
)
CODE_IN_REPLY = (
    r"```|std::|(?m)^\s*for \w+ in [^\n]+:\s*$|\[\w+ for \w+ in(?-u:\b)|\w+\(\w*\)\s*[;{]|(?-u:\b)def \w+\(|#include\s*<|(?-u:\b)public (static )?(void|class|int)(?-u:\b)|(?-u:\b)function \w*\s*\(|"
    r"(?-u:\b)SELECT(?-u:\b)[^;]{1,200}(?-u:\b)FROM(?-u:\b)|console\.log\(|System\.out\.print|(?m)^(import|from) [\w.]+|=>\s*\{|"
    r"(?m)^\s+return [^\n]{1,80};?$"
)
MATH_STRONG = (
    r"(?i)(?-u:\b)solve (for|the (equation|following (equation|problem|system))|this (equation|problem)|\w ?=)|"
    r"(?i)(?-u:\b)(calculate|calculating|compute|equations?|derivative|integral|probability|square root|"
    r"percent|percentage|divided by|multiplied by|arithmetic|algebra|geometry|quadratic|fraction|"
    r"factorial|hypotenuse|perimeter|circumference)(?-u:\b)|计算|求解|方程|概率|百分之|乘以|除以|平方根|"
    r"几何|代数|分数|周长|面积是|求.{0,10}(值|和|积)|换算"
)
MATH_EXPRESSION = r"\d+(\.\d+)?\s*[+*/×÷^]\s*\d+|\d\s*-\s*\d+\s*=|[=＝]\s*\?"
MATH_WEAK = (
    r"(?i)(?-u:\b)(how many|how much|how long|how far|how old|how fast|total|average|sum|altogether|each|per|"
    r"costs?|profit|earn|spend|spent|remaining|left)(?-u:\b)|多少|几|总共|"
    r"一共|平均|每"
)
MATH_IN_REPLY = r"\d\s*[-+*/×÷x]\s*\$?\d+(\.\d+)?\s*=\s*\$?-?\d|<<[^>]*>>|####\s*-?\d"
EXTRACTION = (
    r"(?i)(?-u:\b)extract\w*(?-u:\b)|(?-u:\b)(identify|list|find|pull out|get) (all|every|each|the) .{0,50}(?-u:\b)(mentioned|"
    r"in (the|this|that) (text|passage|paragraph|article|sentence|document|email|review))(?-u:\b)|(?-u:\b)named entit|"
    r"(?-u:\b)(parse|retrieve) (the|all)(?-u:\b)|提取|抽取|找出.{0,20}(中的|所有|全部)|实体识别"
)
CLASSIFICATION = (
    r"(?i)(?-u:\b)classif(y|ied|ication)(?-u:\b)|(?-u:\b)categori[sz]e(?-u:\b)|(?-u:\b)which (category|class|type|genre)(?-u:\b)|(?-u:\b)sentiment(?-u:\b)"
    r"|(?-u:\b)positive,? (or|negative)(?-u:\b)|(?-u:\b)true or false(?-u:\b)|(?-u:\b)yes or no(?-u:\b)|(?-u:\b)(identify|determine|decide|tell me) "
    r"(whether|if)(?-u:\b)|(?-u:\b)is (this|the following|it|the (sentence|statement|text|review)) (a |an )?[^?]{0,40}"
    r"(?-u:\b)or(?-u:\b)|(?-u:\b)label (the|each|this)(?-u:\b)|分类|归类|分(为|成).{0,4}类|对错|真假|属于(哪|什么)|情感(倾向|分析)|判断.{0,30}(是否|还是|正确|错误)"
)
REWRITING = (
    r"(?i)(?-u:\b)(rewrite|re-write|rephrase|paraphrase|reword|proofread|revise|edit (the|this|my)|correct "
    r"(the|this|any|all) \w+|fix (the|this) (grammar|sentence|spelling)|make (it|this|the \w+) "
    r"(more|less|shorter|longer|sound)|simplify (the|this)|convert (the|this) (sentence|text|paragraph)|"
    r"(passive|active) voice|more formal|less formal|change (the|this) (sentence|tense))(?-u:\b)|改写|重写|润色|"
    r"修改|改成|换一种说法|同义句|同义词|替换|改为|改进|转述|缩写|扩写"
)
CREATIVE_WRITING = (
    r"(?i)(?-u:\b)(write|compose|create|draft|generate|pen|craft|tell) (me |us )?(a|an|the|some|two|three|\d+)?"
    r" ?(\w+ ){0,2}(story|stories|poem|poems|poetry|song|lyrics|haiku|limerick|sonnet|essay|letter|email|"
    r"e-mail|blog|speech|dialogue|dialog|script|tweet|slogan|advertisement|ad|joke|rap|tagline|article|"
    r"review|narrative|cover letter|toast|eulogy|monologue|fable|riddle|post|anecdote|scene|paragraph)(?-u:\b)|"
    r"(?-u:\b)(pretend|imagine|role-?play|act as|you are an? |as an? \w+,)|写(一|1|两|几)?(首|篇|个|封|段|则|句)|"
    r"诗歌|写诗|诗句|对话|撰写|比喻|押韵|口号|标语|假装你|故事|作文|创作|歌词|对联|剧本|扮演|假设你是|想象"
)
BRAINSTORMING = (
    r"(?i)(?-u:\b)(brainstorm\w*|come up with|suggest\w*|ideas?|tips|ways to|recommend\w*|give (me )?(some|a few|"
    r"a list of|\d+|three|five|ten|several)|list (some|a few|\d+|three|five|ten|several|\w+ ways)|"
    r"generate (a list|\d+|some|ideas)|name (some|a few|\d+|three|five))(?-u:\b)|列出|列举|建议|想法|点子|"
    r"有哪些|给出.{0,6}(个|条|种)|推荐|设计|计划|制定|写出?[一二三四五六七八九十两几\d]+(种|个|条|项|点)|集思广益|"
    r"(提供|确定|给出|列出|想出|生成)[一二三四五六七八九十两几\d]+\s*(个|种|条|项|点|样)|(列表|清单|技巧|例子)|举.{0,4}例|"
    r"(?i)(?-u:\b)((create|make|compile) an? (\w+ )?list|(give|provide|name) (me )?(an? |some |\d+ )?examples?)(?-u:\b)"
)
EXTRACTION_EXPLICIT = (
    r"(?i)(?-u:\b)extract(s|ed|ing|ion)?(?-u:\b)|(?-u:\b)named entit|^\s*(please )?identify (the|all) [^.?]{0,60}(?-u:\b)(mentioned|"
    r"in the (following|given|text|passage|sentences?|article))(?-u:\b)|提取|抽取|实体识别"
)
ROLEPLAY = (
    r"(?i)^\s*(you are|you're|take (on )?the role|in the role of|role-?play|pretend|imagine (you are|you're|"
    r"yourself)|act as|acting as|as an? [\w ]{1,40}, )|(?i)(?-u:\b)(take on the role|role-?play as|stay in character)(?-u:\b)"
    r"|^\s*(你是一?(个|名|位)|假设你是|扮演|请你扮演|想象你是)"
)
CONTEXT_QUESTION = (
    r"(?i)(?-u:\b)(based on|according to|from|given|using) (the|this|that) (passage|text|article|paragraph|"
    r"context|reference|information|document|table|data)(?-u:\b)|根据.{0,12}(文章|段落|文本|材料|上文|信息|内容)"
)
QUESTION = (
    r"[?？]\s*$|(?i)^\s*(what|who|whom|whose|why|how|when|where|which|is|are|was|were|can|could|do|does|"
    r"did|should|would|will|explain|describe|define|tell me|compare|discuss)(?-u:\b)|什么|为什么|如何|怎么|怎样|"
    r"吗|哪|谁|解释|介绍|是否|讨论|描述|说明|分析|比较|对比|预测|估计|形容|了解"
)

INSTRUCTION_CHARS: Final = 1500
REPLY_CHARS: Final = 2000

RULE_ORDER: Final = (
    "tool_use",
    "multi_turn_chat",
    "translation",
    "summarization",
    "code",
    "math",
    "extraction",
    "classification",
    "rewriting",
    "creative_writing",
    "brainstorming",
    "closed_qa",
    "open_qa",
    "other",
)


def _features() -> list[pl.Expr]:
    """Temporary columns the rules read (computed once, dropped after classification)."""
    roles = pl.col("messages").list.eval(pl.element().struct.field("role"))
    tools = pl.col("tools").str.strip_chars()
    return [
        # the head of each text is enough to recognize a task, and bounds the regex work on long rows
        pl.coalesce(instruction_expr(), pl.col("text"), pl.lit(""))
        .str.slice(0, INSTRUCTION_CHARS)
        .alias("__instr"),
        pl.col("input").str.strip_chars().fill_null("").alias("__input"),
        response_expr().fill_null("").str.slice(0, REPLY_CHARS).alias("__reply"),
        roles.list.eval(pl.element() == "user").list.sum().fill_null(0).alias("__user_turns"),
        (
            roles.list.eval(pl.element().is_in(["tool_call", "tool"])).list.any().fill_null(False)
            | (tools.is_not_null() & ~tools.is_in(["", "[]", "{}", "null"]))
        ).alias("__tooly"),
    ]


def _rules() -> list[tuple[str, pl.Expr, pl.Expr]]:
    """(task, condition, confidence expression) in priority order."""
    instr = pl.col("__instr")
    reply = pl.col("__reply")
    has_input = pl.col("__input").str.len_chars() > 0
    code_kw = instr.str.contains(CODE_KEYWORDS)
    code_reply = reply.str.contains(CODE_IN_REPLY)
    math_strong = instr.str.contains(MATH_STRONG) | instr.str.contains(MATH_EXPRESSION)
    digits = instr.str.contains(r"\d|[一二三四五六七八九十百千万两]")
    math_weak = instr.str.contains(MATH_WEAK) & digits
    math_reply = reply.str.contains(MATH_IN_REPLY)
    context_q = instr.str.contains(CONTEXT_QUESTION)

    def conf(value: float) -> pl.Expr:
        return pl.lit(value)

    return [
        ("tool_use", pl.col("__tooly"), conf(0.95)),
        ("multi_turn_chat", pl.col("__user_turns") >= 2, conf(0.8)),
        # "translate this Python to Java" is code, not translation
        ("translation", instr.str.contains(TRANSLATION) & ~code_kw & ~code_reply, conf(0.9)),
        ("summarization", instr.str.contains(SUMMARIZATION), conf(0.85)),
        # an explicit "extract" names the task even when the text is full of numbers or JSON
        ("extraction", instr.str.contains(EXTRACTION_EXPLICIT), conf(0.85)),
        ("creative_writing", instr.str.contains(ROLEPLAY), conf(0.8)),
        ("code", code_kw | code_reply, pl.when(code_kw & code_reply).then(0.95).otherwise(0.7)),
        (
            "math",
            math_strong | (digits & math_reply) | (math_weak & ~has_input),
            pl.when(math_reply).then(0.9).when(math_strong).then(0.75).otherwise(0.6),
        ),
        # weaker code words ("array", "function", "字符串") only after math had its say.
        ("code", instr.str.contains(CODE_WEAK), conf(0.6)),
        ("extraction", instr.str.contains(EXTRACTION), conf(0.75)),
        ("classification", instr.str.contains(CLASSIFICATION), conf(0.7)),
        ("rewriting", instr.str.contains(REWRITING), conf(0.75)),
        ("creative_writing", instr.str.contains(CREATIVE_WRITING), conf(0.7)),
        ("brainstorming", instr.str.contains(BRAINSTORMING), conf(0.6)),
        ("closed_qa", has_input | context_q, pl.when(context_q).then(0.75).otherwise(0.55)),
        ("open_qa", instr.str.contains(QUESTION), conf(0.55)),
        ("other", pl.lit(True), conf(0.3)),
    ]


def classify(frame: pl.DataFrame) -> pl.DataFrame:
    """Two columns for `frame`'s rows: `task` (String) and `confidence` (Float64), from the rules above."""
    rules = _rules()
    # coalesce over "when(condition).then(value)" = the value of the first rule that holds.
    task_chain = pl.coalesce([pl.when(cond).then(pl.lit(task)) for task, cond, _ in rules])
    conf_chain = pl.coalesce([pl.when(cond).then(confidence) for _, cond, confidence in rules])
    return (
        frame.lazy()
        .with_columns(_features())
        .select(task_chain.alias("task"), conf_chain.cast(pl.Float64).alias("confidence"))
        .collect()
    )
