"""LLaMA-Factory `dataset_info.json` entries for exported files, so the folder drops into `data/`.

An entry maps LLaMA-Factory's attribute names onto the keys our writer used for a format; only keys that
are present in the written file are listed (LLaMA-Factory indexes every listed column, so a column that
no row has would fail its loader). Formats LLaMA-Factory cannot load are not registered and say why.
See LLaMA-Factory `data/README.md` (../shared/data/llama_factory_demo/UPSTREAM_README.md).
"""

from __future__ import annotations

from typing import Any, Final

# winnow format -> (LLaMA-Factory formatting, ranking, {LLaMA-Factory column: our key}, tags)
_SHAREGPT_TAGS: Final = {
    "role_tag": "from",
    "content_tag": "value",
    "user_tag": "human",
    "assistant_tag": "gpt",
    "observation_tag": "observation",
    "function_tag": "function_call",
    "system_tag": "system",
}
_OPENAI_TAGS: Final = {
    "role_tag": "role",
    "content_tag": "content",
    "user_tag": "user",
    "assistant_tag": "assistant",
    "observation_tag": "tool",
    "system_tag": "system",
}
_ALPACA_COLUMNS: Final = {
    "prompt": "instruction",
    "query": "input",
    "response": "output",
    "system": "system",
    "history": "history",
}

LAYOUTS: Final[dict[str, tuple[str, bool, dict[str, str], dict[str, str] | None]]] = {
    "alpaca": ("alpaca", False, _ALPACA_COLUMNS, None),
    "self_instruct": (
        "alpaca",
        False,
        {"prompt": "instruction", "query": "input", "response": "output"},
        None,
    ),
    "dolly": ("alpaca", False, {"prompt": "instruction", "query": "context", "response": "response"}, None),
    "instruction_response": (
        "alpaca",
        False,
        {"prompt": "instruction", "query": "context", "response": "response", "system": "system"},
        None,
    ),
    "input_target": ("alpaca", False, {"prompt": "input_text", "response": "target_text"}, None),
    "preference_alpaca": (
        "alpaca",
        True,
        {
            "prompt": "instruction",
            "query": "input",
            "chosen": "chosen",
            "rejected": "rejected",
            "system": "system",
            "history": "history",
        },
        None,
    ),
    "pretrain": ("alpaca", False, {"prompt": "text"}, None),
    "sharegpt": (
        "sharegpt",
        False,
        {"messages": "conversations", "system": "system", "tools": "tools"},
        _SHAREGPT_TAGS,
    ),
    "preference_sharegpt": (
        "sharegpt",
        True,
        {
            "messages": "conversations",
            "chosen": "chosen",
            "rejected": "rejected",
            "system": "system",
            "tools": "tools",
        },
        _SHAREGPT_TAGS,
    ),
    "openai": ("sharegpt", False, {"messages": "messages", "tools": "tools"}, _OPENAI_TAGS),
    "kto": ("sharegpt", False, {"messages": "messages", "kto_tag": "label", "tools": "tools"}, _OPENAI_TAGS),
}

NOT_LOADABLE: Final = {
    "messages": "a row is a bare list of messages; LLaMA-Factory needs an object per row (export as openai)",
    "hh": "LLaMA-Factory has no loader for Human:/Assistant: transcripts (export as preference_sharegpt)",
    "llamafactory_v1": "LLaMA-Factory v1 reads this format through its v1 data config, not dataset_info.json",
}


# Formats whose rows are OpenAI messages: assistant `tool_calls` are read only by LLaMA-Factory's `openai`
# formatting (0.9.4+), which also appends "detailed thinking off" to every system prompt when a row has no
# tools; so files without tool calls keep the `sharegpt` formatting its data/README documents for them.
OPENAI_MESSAGES: Final = ("openai", "kto")
OPENAI_TOOL_CALLS_WARNING: Final = (
    "rows with OpenAI tool_calls are registered with LLaMA-Factory's `openai` formatting (0.9.4 or later), "
    "which json-encodes the string `arguments` again and appends 'detailed thinking off' to system prompts; "
    "for LLaMA-Factory tool calling export as sharegpt (function_call/observation turns)"
)


def dataset_info_entry(
    fmt: str, file_name: str, keys: set[str], *, tool_calls: bool = False
) -> tuple[dict[str, Any] | None, str | None]:
    """(entry, None) for a loadable format, or (None, why not). `keys`: keys present in the written file;
    `tool_calls`: some row holds OpenAI assistant `tool_calls`."""
    if fmt in NOT_LOADABLE:
        return None, NOT_LOADABLE[fmt]
    if fmt not in LAYOUTS:
        return None, f"no LLaMA-Factory layout known for format {fmt!r}"
    formatting, ranking, columns, tags = LAYOUTS[fmt]
    if fmt in OPENAI_MESSAGES and tool_calls:
        formatting = "openai"
    entry: dict[str, Any] = {"file_name": file_name, "formatting": formatting}
    if ranking:
        entry["ranking"] = True
    entry["columns"] = {ours: key for ours, key in columns.items() if key in keys}
    if tags is not None:
        entry["tags"] = dict(tags)
    return entry, None
