"""Render a conversation with a chat template in a sandboxed Jinja environment, the way transformers does.

Chat templates are code that came with a tokenizer from somewhere else, so they run in Jinja's
ImmutableSandboxedEnvironment with exactly the helpers transformers gives them (`raise_exception`,
`strftime_now`, a JSON `tojson` that does not HTML-escape, a `dict` constructor, a namespace that refuses
dunder names, `loopcontrols`, and the `{% generation %}` tag as a pass-through). Rendering the same way is
what makes our input_ids equal `apply_chat_template`'s; the tests assert that equality.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.parser
import jinja2.utils
from jinja2.sandbox import ImmutableSandboxedEnvironment

TemplateError = jinja2.exceptions.TemplateError


class _GenerationTag(jinja2.ext.Extension):
    """`{% generation %}...{% endgeneration %}` renders its body unchanged (transformers uses it for masks)."""

    tags = {"generation"}  # noqa: RUF012 - the Jinja extension API reads a class attribute

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_passthrough"), [], [], body).set_lineno(lineno)

    def _passthrough(self, caller: Any) -> str:
        return str(caller())


def _raise_exception(message: str) -> None:
    raise TemplateError(message)


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _strftime_now(format: str) -> str:
    return datetime.now().strftime(format)


class _TemplateDict:
    """`dict(...)` for templates, without exposing the dict type itself."""

    def __call__(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return dict(*args, **kwargs)

    def fromkeys(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return dict.fromkeys(*args, **kwargs)


class _TemplateNamespace(jinja2.utils.Namespace):
    """A Jinja namespace that refuses underscore names (no reaching CPython internals through it)."""

    def __init__(*args: Any, **kwargs: Any) -> None:
        self, rest = args[0], args[1:]
        attrs = dict(*rest, **kwargs)
        for name in attrs:
            _TemplateNamespace._check_name(name)
        jinja2.utils.Namespace.__init__(self, attrs)

    def __setitem__(self, name: str, value: Any) -> None:
        _TemplateNamespace._check_name(name)
        jinja2.utils.Namespace.__setitem__(self, name, value)

    @staticmethod
    def _check_name(name: Any) -> None:
        if isinstance(name, str) and name.startswith("_"):
            raise jinja2.exceptions.SecurityError(f"chat templates cannot set {name!r} on a namespace")


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Sandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment with its attribute verdicts memoised.

    Jinja decides whether `obj.attr` is safe from the attribute name and isinstance checks on the object
    (internal types, known mutable containers), so the verdict depends only on (type(obj), attr); caching
    it changes no decision and removes most of the sandbox's cost per rendering.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verdicts: dict[tuple[type, str], bool] = {}

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`message.role` on a plain dict: the item, as Jinja's own lookup would find it, minus its cost.

        Jinja tries the attribute first (an AttributeError for every message field) and then the item. A
        plain dict has no attributes besides its type's, so for any other name the answer is the item (or
        undefined); the type's own attributes (`items`, `get`, ...) still take the sandboxed path.
        """
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = super().is_safe_attribute(obj, attr, value)
        return verdict


@lru_cache(maxsize=16)
def compile_template(text: str) -> jinja2.Template:
    """Compile a chat template once (cached by its text)."""
    env = _Sandbox(trim_blocks=True, lstrip_blocks=True, extensions=[_GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    env.globals["dict"] = _TemplateDict()
    env.globals["namespace"] = _TemplateNamespace
    return env.from_string(text)


def special_token_variables(tokenizer: Any) -> dict[str, Any]:
    """What apply_chat_template passes to every template besides messages: bos_token, eos_token, ..."""
    return dict(tokenizer.special_tokens_map)


def render(
    template: jinja2.Template,
    messages: list[dict[str, Any]],
    *,
    add_generation_prompt: bool,
    tools: list[dict[str, Any]] | None,
    variables: dict[str, Any],
) -> str:
    """Render one conversation. Keys whose value is None are dropped first, as apply_chat_template does."""
    plain = [{key: value for key, value in message.items() if value is not None} for message in messages]
    return template.render(
        messages=plain,
        tools=tools,
        documents=None,
        add_generation_prompt=add_generation_prompt,
        **variables,
    )
