"""The task label set and how labels that datasets carry are mapped onto it.

Every row ends with one of TASKS in the `task` column. Datasets name their categories differently; the
map below normalizes them. Decisions worth knowing (they change how a mix is balanced):

    Dolly          general_qa -> open_qa, information_extraction -> extraction, the rest keep their name
    MT-Bench       writing, roleplay -> creative_writing; coding -> code; reasoning, stem, humanities -> open_qa
                   (open questions answered from the model's own knowledge; the set has no "reasoning" label,
                   and logic puzzles are not arithmetic, so not math)
    Vicuna bench   generic, knowledge, common-sense, counterfactual, fermi -> open_qa (Fermi questions are
                   estimates argued from world knowledge, not computations with given numbers like GSM8K);
                   writing, roleplay -> creative_writing; coding -> code
    self-instruct  is_classification = true -> classification (false says nothing: the classifier decides)

Labels are compared after lower-casing and turning spaces and hyphens into underscores. A label that is not
in the map is not trusted: the classifier decides, and the stage counts the unmapped label in its stats.
A rule file can add to the map (`tasks.label_map`).
"""

from __future__ import annotations

from typing import Final

import polars as pl

TASKS: Final = (
    "code",
    "math",
    "translation",
    "summarization",
    "classification",
    "extraction",
    "rewriting",
    "brainstorming",
    "creative_writing",
    "open_qa",
    "closed_qa",
    "multi_turn_chat",
    "tool_use",
    "other",
)

TASK_SOURCES: Final = ("data", "rule", "classifier")

LABEL_MAP: Final[dict[str, str]] = {
    **{task: task for task in TASKS},
    # Dolly 15k
    "general_qa": "open_qa",
    "information_extraction": "extraction",
    # MT-Bench
    "writing": "creative_writing",
    "roleplay": "creative_writing",
    "role_play": "creative_writing",
    "reasoning": "open_qa",
    "coding": "code",
    "stem": "open_qa",
    "humanities": "open_qa",
    # Vicuna bench
    "generic": "open_qa",
    "knowledge": "open_qa",
    "common_sense": "open_qa",
    "counterfactual": "open_qa",
    "fermi": "open_qa",
    # common spellings
    "programming": "code",
    "mathematics": "math",
    "arithmetic": "math",
    "translate": "translation",
    "summary": "summarization",
    "summarize": "summarization",
    "summarisation": "summarization",
    "qa": "open_qa",
    "chat": "multi_turn_chat",
    "conversation": "multi_turn_chat",
    "dialogue": "multi_turn_chat",
    "tool": "tool_use",
    "tools": "tool_use",
    "function_call": "tool_use",
    "function_calling": "tool_use",
    "creative": "creative_writing",
    "story": "creative_writing",
    "rewrite": "rewriting",
    "paraphrase": "rewriting",
    "editing": "rewriting",
    "brainstorm": "brainstorming",
    # Chinese category names seen in zh instruction sets
    "代码": "code",
    "编程": "code",
    "数学": "math",
    "翻译": "translation",
    "摘要": "summarization",
    "总结": "summarization",
    "分类": "classification",
    "信息抽取": "extraction",
    "抽取": "extraction",
    "改写": "rewriting",
    "头脑风暴": "brainstorming",
    "写作": "creative_writing",
    "创作": "creative_writing",
    "角色扮演": "creative_writing",
    "开放问答": "open_qa",
    "封闭问答": "closed_qa",
    "闲聊": "multi_turn_chat",
    "工具调用": "tool_use",
    "其他": "other",
}


def normalize_label(label: str) -> str:
    """The comparison key of a label: lower case, spaces and hyphens as underscores."""
    return label.strip().lower().replace(" ", "_").replace("-", "_")


def label_map(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The built-in map plus a rule file's additions (keys normalized)."""
    merged = dict(LABEL_MAP)
    for key, value in (extra or {}).items():
        merged[normalize_label(key)] = value
    return merged


def normalize_label_expr(raw: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    """Map a String expression of data labels onto TASKS; unknown labels become null."""
    key = raw.str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-]+", "_")
    return key.replace_strict(mapping, default=None, return_dtype=pl.String)
