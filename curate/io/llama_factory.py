"""LLaMA-Factory `dataset_info.json` registries: read a dataset by its registered name.

An input `path/to/dataset_info.json:alpaca_zh_demo` reads the file the entry names (relative to the
registry's folder) with the entry's `formatting` (alpaca | sharegpt | openai: OpenAI messages whose
assistant `tool_calls` are read, LLaMA-Factory 0.9.4+), `ranking` (preference pairs),
`columns` (which keys hold prompt/query/response/history/messages/system/tools/chosen/rejected/kto_tag)
and `tags` (ShareGPT role/content keys and role names). Hub-only entries and multimodal columns are
refused with a message saying so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from winnow.curation.errors import UsageError
from winnow.curation.formats.base import Format
from winnow.curation.formats.chat import ShareGPTTags
from winnow.curation.formats.flat import FlatFormat, FlatSpec
from winnow.curation.formats.kto import KTO
from winnow.curation.formats.preference_sharegpt import PreferenceShareGPT
from winnow.curation.formats.sharegpt import ShareGPT

ALPACA_COLUMNS = {
    "prompt": "instruction",
    "query": "input",
    "response": "output",
    "history": None,
    "system": None,
}
KNOWN_COLUMNS = {
    "prompt",
    "query",
    "response",
    "history",
    "messages",
    "system",
    "tools",
    "chosen",
    "rejected",
    "kto_tag",
}
MEDIA_COLUMNS = {"images", "videos", "audios"}


def split_registry_ref(text: str) -> tuple[Path, str] | None:
    """`dir/dataset_info.json:name` → (registry path, name); None when the input is not such a reference."""
    head, sep, name = text.rpartition(":")
    if not sep or not head.endswith(".json") or not name or "/" in name:
        return None
    path = Path(head)
    return (path, name) if path.is_file() else None


def load_entry(registry: Path, name: str) -> tuple[Path, Format]:
    try:
        entries = json.loads(registry.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise UsageError(f"cannot read the dataset registry {registry}: {error}") from error
    if name not in entries:
        import difflib

        close = difflib.get_close_matches(name, entries, n=1)
        raise UsageError(
            f"{registry}: no dataset named {name!r}", hint=f"did you mean {close[0]!r}?" if close else None
        )
    entry: dict[str, Any] = entries[name]
    if "file_name" not in entry:
        hub = entry.get("hf_hub_url") or entry.get("ms_hub_url") or entry.get("script_url")
        raise UsageError(
            f"{registry}:{name} is not a local file (hub dataset {hub!r}); winnow reads local files only"
        )
    return registry.parent / entry["file_name"], format_for(f"{registry}:{name}", entry)


def format_for(where: str, entry: dict[str, Any]) -> Format:
    columns: dict[str, str] = dict(entry.get("columns") or {})
    unknown = set(columns) - KNOWN_COLUMNS
    if unknown & MEDIA_COLUMNS:
        raise UsageError(f"{where}: multimodal columns {sorted(unknown & MEDIA_COLUMNS)} are not supported")
    if unknown:
        raise UsageError(
            f"{where}: unknown columns {sorted(unknown)}", hint=f"known: {', '.join(sorted(KNOWN_COLUMNS))}"
        )
    formatting = entry.get("formatting", "alpaca")
    ranking = bool(entry.get("ranking", False))
    if formatting == "sharegpt":
        tags = ShareGPTTags(
            **{k: v for k, v in (entry.get("tags") or {}).items() if k in ShareGPTTags.__dataclass_fields__}
        )
        messages = columns.get("messages", "conversations")
        if ranking:
            return PreferenceShareGPT(messages=messages, tags=tags)
        if "kto_tag" in columns:
            return KTO(tags=tags, label_key=columns["kto_tag"], messages_key=messages)
        return ShareGPT(
            messages=messages,
            system=columns.get("system", "system"),
            tools=columns.get("tools", "tools"),
            tags=tags,
        )
    if formatting == "openai" and not ranking and columns.get("messages", "messages") == "messages":
        if "kto_tag" in columns:
            return KTO(label_key=columns["kto_tag"])
        from winnow.curation.formats.registry import get_format

        return get_format("openai")
    if formatting != "alpaca":
        raise UsageError(
            f"{where}: unsupported formatting {formatting!r}",
            hint="winnow reads alpaca, sharegpt and openai (a `messages` column, no ranking)",
        )
    key = {c: columns.get(c, default) for c, default in ALPACA_COLUMNS.items()}
    if "response" not in columns and not ranking and "kto_tag" not in columns and set(columns) == {"prompt"}:
        text_key = columns.get("prompt", "text")
        return FlatFormat(
            "pretrain",
            FlatSpec(text=text_key),
            kind="pretrain",
            required=(text_key,),
            description="",
            cannot_hold="",
        )
    if ranking:
        spec = FlatSpec(
            user=key["prompt"],
            input=key["query"],
            system=key["system"],
            history=key["history"],
            chosen=columns.get("chosen", "chosen"),
            rejected=columns.get("rejected", "rejected"),
        )
        return FlatFormat(
            "preference_alpaca",
            spec,
            kind="preference",
            required=(str(spec.user), str(spec.chosen), str(spec.rejected)),
            description="",
            cannot_hold="",
        )
    spec = FlatSpec(
        user=key["prompt"],
        input=key["query"],
        assistant=key["response"],
        system=key["system"],
        history=key["history"],
        label=columns.get("kto_tag"),
    )
    kind = "kto" if spec.label else "sft"
    required = tuple(str(k) for k in (spec.user, spec.assistant, spec.label) if k)
    return FlatFormat(
        "kto" if spec.label else "alpaca", spec, kind=kind, required=required, description="", cannot_hold=""
    )
