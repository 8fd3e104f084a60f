"""The sandboxed renderer: same helpers as transformers, same output as transformers, and no escapes."""

from __future__ import annotations

import jinja2
import pytest
from transformers import AutoTokenizer

from tests.conftest import shared_path
from winnow.curation.shard.render import TemplateError, compile_template, render, special_token_variables


def _one(text: str, **variables: object) -> str:
    return render(
        compile_template(text), [], add_generation_prompt=False, tools=None, variables=dict(variables)
    )


def test_helpers_like_transformers() -> None:
    assert _one("{{ {'a': '<é>'} | tojson }}") == '{"a": "<é>"}'  # no HTML escaping, no ASCII escaping
    assert _one("{{ x | tojson(indent=2) }}", x=[1]) == "[\n  1\n]"
    assert len(_one("{{ strftime_now('%Y') }}")) == 4
    assert _one("{% set ns = namespace(n=1) %}{% set ns.n = ns.n + 1 %}{{ ns.n }}") == "2"
    assert _one("{{ dict(a=1)['a'] }}") == "1"
    assert _one("{% for i in [1, 2, 3] %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}") == "1"
    assert _one("{% generation %}kept{% endgeneration %}") == "kept"
    with pytest.raises(TemplateError, match="roles must alternate"):
        _one("{{ raise_exception('roles must alternate') }}")


def test_sandbox_refuses_escapes() -> None:
    with pytest.raises(jinja2.exceptions.SecurityError):
        _one("{{ ''.__class__.__mro__ }}")
    with pytest.raises(jinja2.exceptions.SecurityError):
        _one("{% set ns = namespace() %}{% set ns._x = 1 %}")
    with pytest.raises(jinja2.exceptions.SecurityError):
        _one("{{ [].append(1) }}")  # immutable sandbox: no mutating methods


def test_none_keys_are_dropped_like_apply_chat_template() -> None:
    text = "{% for m in messages %}{{ 'tool_calls' in m }}{% endfor %}"
    out = render(
        compile_template(text),
        [{"role": "assistant", "content": "x", "tool_calls": None}],
        add_generation_prompt=False,
        tools=None,
        variables={},
    )
    assert out == "False"


def test_qwen3_rendering_equals_transformers() -> None:
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "qwen3")))
    messages = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}],
        },
        {"role": "tool", "content": "r"},
        {"role": "assistant", "content": "a"},
    ]
    tools = [{"type": "function", "function": {"name": "f"}}]
    for generation in (False, True):
        ours = render(
            compile_template(tokenizer.chat_template),
            messages,
            add_generation_prompt=generation,
            tools=tools,
            variables=special_token_variables(tokenizer),
        )
        theirs = tokenizer.apply_chat_template(
            messages, tools=tools, tokenize=False, add_generation_prompt=generation
        )
        assert ours == theirs


def test_dict_fields_resolve_like_jinja() -> None:
    # message fields come from the item; a dict's own attributes (items, get) still win, as in plain Jinja
    text = (
        "{% for m in messages %}{{ m.role }}|{{ m.missing is defined }}|{{ m.get('role') }}|"
        "{{ m.items is callable }}|{{ m['items'] }}{% endfor %}"
    )
    messages = [{"role": "user", "items": "field"}]
    ours = render(compile_template(text), messages, add_generation_prompt=False, tools=None, variables={})
    plain = jinja2.Environment().from_string(text).render(messages=messages)
    assert ours == plain == "user|False|user|True|field"
    with pytest.raises(jinja2.exceptions.SecurityError):
        _one("{{ m.__class__.__mro__ }}", m={"role": "x"})
