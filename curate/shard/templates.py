"""Chat templates: the tokenizer's own (`auto`) or a named built-in, each as Jinja text.

Built-ins are plain Jinja in the same dialect as Hugging Face chat templates, so one renderer serves both and
the template written into SHARDDIR/tokenizer/ is exactly the text the shards were rendered with. Every
built-in follows the two rules the span locator relies on:

* the rendering of messages[:k] with the generation prompt is a string prefix of messages[:k+1]'s;
* an assistant reply is followed by an end-of-turn marker (the tokenizer's `eos_token` where the format has
  no marker of its own), so a model trained on it learns to stop.

Roles the templates receive: system, user, assistant (tool calls arrive as assistant turns whose content is
the call's JSON) and tool (tool results; each built-in renders them the way its model family names them:
`ipython` for Llama 3, `observation` for the plain and Vicuna formats, `<tool_response>` for Qwen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from winnow.curation.errors import UsageError

_CHATML: Final = (
    "{% for m in messages %}"
    "{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

_QWEN: Final = (
    "{% if messages and messages[0].role != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{% endif %}"
    "{% for m in messages %}"
    "{% if m.role == 'tool' %}"
    "{{ '<|im_start|>user\\n<tool_response>\\n' + m.content + '\\n</tool_response><|im_end|>\\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

_LLAMA3: Final = (
    "{{ bos_token }}"
    "{% for m in messages %}"
    "{% set role = 'ipython' if m.role == 'tool' else m.role %}"
    "{{ '<|start_header_id|>' + role + '<|end_header_id|>\\n\\n' + m.content | trim + '<|eot_id|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)

# Meta's Llama 2 chat format: the system prompt sits inside the first [INST] block; each exchange is its own
# <s>...</s> sequence. Tool results have no role of their own in Llama 2 and are given as an [INST] block.
_LLAMA2: Final = (
    "{% set ns = namespace(system='') %}"
    "{% if messages and messages[0].role == 'system' %}{% set ns.system = messages[0].content %}{% endif %}"
    "{% set ns.first = true %}"
    "{% for m in messages %}"
    "{% if m.role == 'user' or m.role == 'tool' %}"
    "{% set text = m.content | trim %}"
    "{% if ns.first and ns.system %}"
    "{% set text = '<<SYS>>\\n' + ns.system | trim + '\\n<</SYS>>\\n\\n' + text %}"
    "{% endif %}"
    "{% set ns.first = false %}"
    "{{ bos_token + '[INST] ' + text + ' [/INST]' }}"
    "{% elif m.role == 'assistant' %}"
    "{{ ' ' + m.content | trim + ' ' + eos_token }}"
    "{% endif %}"
    "{% endfor %}"
)

_MISTRAL: Final = (
    "{{ bos_token }}"
    "{% set ns = namespace(system='') %}"
    "{% for m in messages %}"
    "{% if m.role == 'system' %}{% set ns.system = m.content + '\\n\\n' %}"
    "{% elif m.role == 'user' %}{{ '[INST] ' + ns.system + m.content + ' [/INST]' }}{% set ns.system = '' %}"
    "{% elif m.role == 'tool' %}{{ '[TOOL_RESULTS] ' + m.content + ' [/TOOL_RESULTS]' }}"
    "{% elif m.role == 'assistant' %}{{ ' ' + m.content + eos_token }}"
    "{% endif %}"
    "{% endfor %}"
)

_DEEPSEEK: Final = (
    "{{ bos_token }}"
    "{% for m in messages %}"
    "{% if m.role == 'system' %}{{ m.content + '\\n\\n' }}"
    "{% elif m.role == 'user' %}{{ '<｜User｜>' + m.content }}"
    "{% elif m.role == 'tool' %}{{ '<｜tool▁output▁begin｜>' + m.content + '<｜tool▁output▁end｜>' }}"
    "{% elif m.role == 'assistant' %}{{ '<｜Assistant｜>' + m.content + eos_token }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<｜Assistant｜>' }}{% endif %}"
)

_ALPACA: Final = (
    "{{ bos_token }}"
    "{% if messages and messages[0].role == 'system' %}{{ messages[0].content + '\\n\\n' }}"
    "{% else %}{{ 'Below is an instruction that describes a task. "
    "Write a response that appropriately completes the request.\\n\\n' }}{% endif %}"
    "{% for m in messages %}"
    "{% if m.role == 'user' %}{{ '### Instruction:\\n' + m.content + '\\n\\n' }}"
    "{% elif m.role == 'tool' %}{{ '### Observation:\\n' + m.content + '\\n\\n' }}"
    "{% elif m.role == 'assistant' %}{{ '### Response:\\n' + m.content + eos_token + '\\n\\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '### Response:\\n' }}{% endif %}"
)

_VICUNA: Final = (
    "{{ bos_token }}"
    "{% if messages and messages[0].role == 'system' %}{{ messages[0].content + ' ' }}"
    "{% else %}{{ 'A chat between a curious user and an artificial intelligence assistant. "
    "The assistant gives helpful, detailed, and polite answers to the user\\'s questions. ' }}{% endif %}"
    "{% for m in messages %}"
    "{% if m.role == 'user' %}{{ 'USER: ' + m.content + ' ' }}"
    "{% elif m.role == 'tool' %}{{ 'OBSERVATION: ' + m.content + ' ' }}"
    "{% elif m.role == 'assistant' %}{{ 'ASSISTANT: ' + m.content + eos_token }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)

# The Anthropic HH / seed-corpus convention "\n\nHuman: ...\n\nAssistant: ...", with eos after each reply.
_PLAIN: Final = (
    "{{ bos_token }}"
    "{% for m in messages %}"
    "{% if m.role == 'system' %}{{ m.content }}"
    "{% elif m.role == 'user' %}{{ '\\n\\nHuman: ' + m.content }}"
    "{% elif m.role == 'tool' %}{{ '\\n\\nObservation: ' + m.content }}"
    "{% elif m.role == 'assistant' %}{{ '\\n\\nAssistant: ' + m.content + eos_token }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '\\n\\nAssistant:' }}{% endif %}"
)

BUILTIN_TEMPLATES: Final[dict[str, str]] = {
    "chatml": _CHATML,
    "qwen": _QWEN,
    "llama3": _LLAMA3,
    "llama2": _LLAMA2,
    "mistral": _MISTRAL,
    "deepseek": _DEEPSEEK,
    "alpaca": _ALPACA,
    "vicuna": _VICUNA,
    "plain": _PLAIN,
}
TEMPLATE_NAMES: Final = ("auto", *BUILTIN_TEMPLATES)


@dataclass(frozen=True)
class ChatTemplate:
    """A resolved template: its name, Jinja text and how canonical tool roles are handed to it."""

    name: str
    text: str
    tool_role: str  # the role name tool results are given under
    tool_calls: bool  # template renders assistant `tool_calls` (else a call is the assistant's content)


def _tool_role(text: str) -> str:
    """The role name an arbitrary template expects for tool results (Llama 3.1 `ipython`, GLM `observation`)."""
    for candidate in ("ipython", "observation"):
        if f"'{candidate}'" in text or f'"{candidate}"' in text:
            return candidate
    return "tool"


def resolve_template(name: str, tokenizer: Any) -> ChatTemplate:
    """The template called `name` (`auto` = the tokenizer's own chat_template)."""
    if name == "auto":
        text = getattr(tokenizer, "chat_template", None)
        if isinstance(text, dict):  # several named templates: the default one is the chat template
            text = text.get("default")
        if not isinstance(text, str) or not text.strip():
            raise UsageError(
                "the tokenizer has no chat_template, so --template auto cannot be used",
                hint=f"pick a built-in template: --template {{{','.join(BUILTIN_TEMPLATES)}}}",
            )
        return ChatTemplate("auto", text, _tool_role(text), "tool_calls" in text)
    if name not in BUILTIN_TEMPLATES:
        raise UsageError(
            f"unknown chat template {name!r}", hint=f"known templates: {', '.join(TEMPLATE_NAMES)}"
        )
    return ChatTemplate(name, BUILTIN_TEMPLATES[name], "tool", tool_calls=False)
