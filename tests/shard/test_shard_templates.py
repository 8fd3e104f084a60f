"""Built-in chat templates: exact renderings, the prefix property the span locator relies on, and lookup."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from winnow.curation.errors import UsageError
from winnow.curation.shard.render import compile_template, render
from winnow.curation.shard.templates import BUILTIN_TEMPLATES, resolve_template

VARIABLES = {"bos_token": "<s>", "eos_token": "</s>"}
CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello."},
    {"role": "user", "content": "Weather?"},
    {"role": "assistant", "content": '{"name": "weather"}'},
    {"role": "tool", "content": "sunny"},
    {"role": "assistant", "content": "Sunny."},
]


def _render(name: str, messages: list[dict[str, str]], generation: bool) -> str:
    return render(
        compile_template(BUILTIN_TEMPLATES[name]),
        messages,
        add_generation_prompt=generation,
        tools=None,
        variables=VARIABLES,
    )


@pytest.mark.parametrize("name", sorted(BUILTIN_TEMPLATES))
def test_builtin_prefix_property(name: str) -> None:
    """render(messages[:k], generation prompt) is a prefix of render(messages[:k+1]) at every assistant turn,
    and render(messages[:k+1]) is a prefix of the full rendering."""
    full = _render(name, CONVERSATION, False)
    for k, message in enumerate(CONVERSATION):
        if message["role"] != "assistant":
            continue
        prefix = _render(name, CONVERSATION[:k], True)
        upto = _render(name, CONVERSATION[: k + 1], False)
        assert upto.startswith(prefix), (name, k)
        assert full.startswith(upto), (name, k)
        reply = upto[len(prefix) :]
        assert message["content"] in reply
        assert "</s>" in reply or "<|im_end|>" in reply or "<|eot_id|>" in reply


def test_builtin_exact_renderings() -> None:
    short = CONVERSATION[:3]
    assert _render("chatml", short, False) == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello.<|im_end|>\n"
    )
    assert (
        _render("llama2", short, False) == "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s>"
    )
    assert _render("llama3", short, False) == (
        "<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
    )
    assert _render("plain", short, False) == "<s>Be brief.\n\nHuman: Hi\n\nAssistant: Hello.</s>"
    assert _render("alpaca", short[1:2], True) == (
        "<s>Below is an instruction that describes a task. Write a response that appropriately completes "
        "the request.\n\n### Instruction:\nHi\n\n### Response:\n"
    )
    assert _render("mistral", short, False) == "<s>[INST] Be brief.\n\nHi [/INST] Hello.</s>"
    assert _render("vicuna", short, False) == "<s>Be brief. USER: Hi ASSISTANT: Hello.</s>"
    assert _render("deepseek", short, False) == "<s>Be brief.\n\n<｜User｜>Hi<｜Assistant｜>Hello.</s>"
    assert _render("qwen", short[1:2], True) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def test_tool_results_use_each_family_role() -> None:
    tool = [{"role": "user", "content": "q"}, {"role": "tool", "content": "r"}]
    assert "<|start_header_id|>ipython<|end_header_id|>" in _render("llama3", tool, False)
    assert "<tool_response>\nr\n</tool_response>" in _render("qwen", tool, False)
    assert "\n\nObservation: r" in _render("plain", tool, False)


def test_resolve_auto_uses_tokenizer_template() -> None:
    text = "{% for m in messages %}{% if m.role == 'ipython' %}x{% endif %}{{ m.tool_calls }}{% endfor %}"
    resolved = resolve_template("auto", SimpleNamespace(chat_template=text))
    assert (resolved.name, resolved.text, resolved.tool_role, resolved.tool_calls) == (
        "auto",
        text,
        "ipython",
        True,
    )


def test_resolve_errors() -> None:
    with pytest.raises(UsageError, match="has no chat_template"):
        resolve_template("auto", SimpleNamespace(chat_template=None))
    with pytest.raises(UsageError, match="unknown chat template 'chatgpt'"):
        resolve_template("chatgpt", SimpleNamespace(chat_template=None))
