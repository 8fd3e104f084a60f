"""Reply spans located by rendering, including the relocation for templates like Qwen3's (no tokenizer needed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from winnow.curation.shard.conversation import Conversation
from winnow.curation.shard.spans import SpanLocator, TemplateMaskingError
from winnow.curation.shard.templates import BUILTIN_TEMPLATES, ChatTemplate

TOKENIZER = SimpleNamespace(
    special_tokens_map={"eos_token": "<|im_end|>"},
    all_special_tokens=["<|im_end|>", "<|im_start|>"],
    added_tokens_decoder={},
)
CONV = Conversation(
    [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
        {"role": "assistant", "content": "A2"},
    ],
    None,
)

# Like Qwen3: a decoration before the final assistant reply only.
LAST_DECORATED = (
    "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' }}"
    "{% if m.role == 'assistant' and loop.last %}{{ '<think></think>' }}{% endif %}"
    "{{ m.content + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _spans(text: str, conv: Conversation = CONV, **options: bool) -> tuple[str, list[str], list[str]]:
    located = SpanLocator(ChatTemplate("t", text, "tool", False), TOKENIZER).locate(conv, **options)
    return (
        located.text,
        [located.text[s:e] for s, e in located.replies],
        [located.text[s:e] for s, e in located.untrained],
    )


def test_chatml_replies_end_at_the_marker() -> None:
    text, replies, _ = _spans(BUILTIN_TEMPLATES["chatml"])
    assert replies == ["A1<|im_end|>", "A2<|im_end|>"]  # the newline after the marker is not trained
    assert text.endswith("A2<|im_end|>\n")


def test_last_only_and_untrained() -> None:
    _, replies, untrained = _spans(BUILTIN_TEMPLATES["chatml"], last_only=True, untrained=True)
    assert replies == ["A2<|im_end|>"]
    assert untrained == ["S"]


def test_relocation_when_only_the_final_reply_is_decorated() -> None:
    text, replies, _ = _spans(LAST_DECORATED)
    assert "<think></think>A1" not in text
    assert replies == ["A1<|im_end|>", "<think></think>A2<|im_end|>"]


def test_relocation_never_cuts_the_reply_text() -> None:
    # the earlier reply renders differently (upper-cased) when it is not last: not decoration, so an error
    shouting = (
        "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' }}"
        "{% if m.role == 'assistant' and not loop.last %}{{ m.content | upper }}{% else %}{{ m.content }}{% endif %}"
        "{{ '<|im_end|>\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )
    conv = Conversation(
        [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "quiet"},
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "x"},
        ],
        None,
    )
    with pytest.raises(TemplateMaskingError, match=r"turn 1 .*rendered differently"):
        _spans(shouting, conv)


def test_structured_tool_call_reply() -> None:
    template = (
        "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content }}"
        "{% for c in m.tool_calls or [] %}{{ '<call>' + c.function.name + '</call>' }}{% endfor %}"
        "{{ '<|im_end|>\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )
    conv = Conversation(
        [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"function": {"name": "f", "arguments": {}}}],
            },
            {"role": "tool", "content": "r"},
            {"role": "assistant", "content": "done"},
        ],
        None,
    )
    _, replies, untrained = _spans(template, conv, untrained=True)
    assert replies == ["<call>f</call><|im_end|>", "done<|im_end|>"]
    assert untrained == ["r"]
