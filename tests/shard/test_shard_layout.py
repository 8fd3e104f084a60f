"""Replies located in one rendering with the layout learned per template, against the prefix method.

Every case asserts the exact spans and that they equal what the prefix renderings give; rows the layout
cannot place must fall back (by_prefixes) with the same spans, never be placed wrongly.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from transformers import AutoTokenizer

from tests.conftest import shared_path
from tests.shard.test_shard_labels_real import ROWS
from winnow.curation.shard.conversation import Conversation, conversation_from_row
from winnow.curation.shard.layout import ReplyLayout
from winnow.curation.shard.settings import ShardSettings
from winnow.curation.shard.spans import SpanLocator
from winnow.curation.shard.templates import BUILTIN_TEMPLATES, ChatTemplate, resolve_template
from winnow.curation.shard.tokenize import Encoder

CHATML_TOKENIZER = SimpleNamespace(
    special_tokens_map={"eos_token": "<|im_end|>"},
    all_special_tokens=["<|im_end|>", "<|im_start|>"],
    added_tokens_decoder={},
)


def _conv(*pairs: tuple[str, str]) -> Conversation:
    return Conversation([{"role": role, "content": content} for role, content in pairs], None)


def _check(locator: SpanLocator, conv: Conversation) -> tuple[bool, list[str]]:
    """(fell back?, reply texts), after asserting the spans equal the prefix method's."""
    located = locator.locate(conv)
    assert located.replies == locator._by_prefixes(conv, located.text, conv.assistant_turns())
    return located.by_prefixes, [located.text[s:e] for s, e in located.replies]


@pytest.fixture(scope="module")
def qwen3() -> SpanLocator:
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "qwen3")))
    return SpanLocator(resolve_template("auto", tokenizer), tokenizer)


@pytest.fixture(scope="module")
def llama3() -> SpanLocator:
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "llama3_1")))
    return SpanLocator(resolve_template("auto", tokenizer), tokenizer)


def test_learned_layouts_of_the_real_templates(qwen3: SpanLocator, llama3: SpanLocator) -> None:
    assert qwen3.layout == ReplyLayout(
        lead="<|im_end|>\n<|im_start|>assistant\n",
        decor_mid="",
        decor_last="<think>\n\n</think>\n\n",
        close="<|im_end|>",
        anchor_is_lead=True,
        calls=True,  # its template renders structured tool_calls, placed between lead and close
    )
    assert llama3.layout == ReplyLayout(
        lead="<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        decor_mid="",
        decor_last="",
        close="<|eot_id|>",
        anchor_is_lead=True,
    )


def test_llama2_builtin_anchors_on_the_end_of_turn() -> None:
    pytest.importorskip("sentencepiece")
    pytest.importorskip("google.protobuf")
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "llama2_sentencepiece")))
    locator = SpanLocator(resolve_template("llama2", tokenizer), tokenizer)
    assert locator.layout == ReplyLayout(" [/INST]", " ", " ", " </s>", anchor_is_lead=False)
    conv = _conv(("user", "Hi"), ("assistant", "Hello."), ("user", "And?"), ("assistant", "Bye."))
    assert _check(locator, conv) == (False, [" Hello. </s>", " Bye. </s>"])
    # the template trims the reply: not verbatim, so the prefix method places it
    padded = _conv(("user", "Hi"), ("assistant", " Hello. "))
    assert _check(locator, padded) == (True, [" Hello. </s>"])


def test_real_rows_fast_or_fallback_with_the_same_spans(qwen3: SpanLocator, llama3: SpanLocator) -> None:
    fell_back = {}
    for name, locator in (("qwen3", qwen3), ("llama3", llama3)):
        for row in ROWS:
            conv = conversation_from_row(row, locator.template)
            fell_back[name, row["id"]] = _check(locator, conv)[0]
    # Qwen3's structured tool call (no text of its own) is placed between its lead and the close
    assert not any(fell_back.values())


def test_qwen3_think_block_only_before_the_final_reply(qwen3: SpanLocator) -> None:
    conv = _conv(("user", "Q1"), ("assistant", "A1"), ("user", "Q2"), ("assistant", "A2"))
    assert _check(qwen3, conv) == (False, ["A1<|im_end|>", "<think>\n\n</think>\n\nA2<|im_end|>"])


def test_qwen3_reply_with_its_own_think_block_falls_back(qwen3: SpanLocator) -> None:
    # the template moves text before </think> into a reasoning block: content not rendered verbatim
    conv = _conv(("user", "Q"), ("assistant", "<think>\nhmm\n</think>\n\nYes."))
    assert _check(qwen3, conv) == (True, ["<think>\nhmm\n</think>\n\nYes.<|im_end|>"])


def test_reply_text_repeated_in_the_prompt_is_placed_at_its_turn(llama3: SpanLocator) -> None:
    conv = _conv(("user", "Say OK."), ("assistant", "OK."), ("user", "OK."), ("assistant", "OK."))
    fell_back, replies = _check(llama3, conv)
    assert (fell_back, replies) == (False, ["OK.<|eot_id|>", "OK.<|eot_id|>"])


def test_llama3_trimmed_reply_falls_back(llama3: SpanLocator) -> None:
    conv = _conv(("user", "Q"), ("assistant", "  Spaced out.\n"))
    assert _check(llama3, conv) == (True, ["Spaced out.<|eot_id|>"])


def test_no_layout_without_a_special_token_anchor() -> None:
    plain_tokens = SimpleNamespace(special_tokens_map={}, all_special_tokens=[], added_tokens_decoder={})
    locator = SpanLocator(ChatTemplate("chatml", BUILTIN_TEMPLATES["chatml"], "tool", False), plain_tokens)
    assert locator.layout is None
    assert _check(locator, _conv(("user", "q"), ("assistant", "a"))) == (True, ["a<|im_end|>\n"])


def test_no_layout_when_the_template_rewrites_earlier_replies() -> None:
    shouting = (
        "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' }}"
        "{% if m.role == 'assistant' and not loop.last %}{{ m.content | upper }}{% else %}{{ m.content }}{% endif %}"
        "{{ '<|im_end|>\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )
    locator = SpanLocator(ChatTemplate("shouting", shouting, "tool", False), CHATML_TOKENIZER)
    assert locator.layout is None


def test_anchor_count_mismatch_falls_back() -> None:
    locator = SpanLocator(
        ChatTemplate("chatml", BUILTIN_TEMPLATES["chatml"], "tool", False), CHATML_TOKENIZER
    )
    assert locator.layout is not None
    # a user text holding the anchor: one more anchor than assistant turns, so the layout is not trusted
    conv = _conv(("user", "x<|im_end|>\n<|im_start|>assistant\ny"), ("assistant", "a"))
    assert _check(locator, conv) == (True, ["a<|im_end|>"])
    assert _check(locator, _conv(("user", "q"), ("assistant", "a")))[0] is False


def test_encoder_counts_the_fallbacks(qwen3: SpanLocator) -> None:
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "qwen3")))
    batch = Encoder(tokenizer, qwen3.template, ShardSettings()).encode(ROWS)
    assert batch.by_prefixes == 0
    assert [row for row, _, _ in batch.dropped] == []


def test_qwen3_structured_calls_placed_or_fall_back(qwen3: SpanLocator) -> None:
    call = {"type": "function", "function": {"name": "lookup", "arguments": {"q": "x"}}}
    messages = [
        {"role": "user", "content": "Q"},
        {"role": "assistant", "content": "", "tool_calls": [call, call]},
        {"role": "tool", "content": "r"},
        {"role": "assistant", "content": "Done."},
    ]
    both = '<tool_call>\n{"name": "lookup", "arguments": {"q": "x"}}\n</tool_call>'
    assert _check(qwen3, Conversation(messages, None)) == (
        False,
        [f"{both}\n{both}<|im_end|>", "<think>\n\n</think>\n\nDone.<|im_end|>"],
    )
    # a special token inside the call: the layout cannot tell where the turn ends, so prefix renders
    odd = {"type": "function", "function": {"name": "lookup", "arguments": {"q": "<|endoftext|>"}}}
    messages[1] = {"role": "assistant", "content": "", "tool_calls": [odd]}
    fell_back, replies = _check(qwen3, Conversation(messages, None))
    assert fell_back
    assert (
        replies[0]
        == '<tool_call>\n{"name": "lookup", "arguments": {"q": "<|endoftext|>"}}\n</tool_call><|im_end|>'
    )
    # the function's name not rendered where the layout expects it: prefix renders
    nameless = {"type": "function", "function": {"name": "", "arguments": {}}}
    messages[1] = {"role": "assistant", "content": "", "tool_calls": [nameless]}
    assert _check(qwen3, Conversation(messages, None))[0]


def test_no_layout_when_a_probe_cannot_be_masked() -> None:
    # after a tool result the generation prompt differs from the rendered header: the prefix method refuses
    # such conversations, so the layout must not place them either
    odd = (
        "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{% if messages[-1].role == 'tool' %}{{ '<|im_start|>assistant(tool)\\n' }}"
        "{% else %}{{ '<|im_start|>assistant\\n' }}{% endif %}{% endif %}"
    )
    locator = SpanLocator(ChatTemplate("odd", odd, "tool", False), CHATML_TOKENIZER)
    assert locator.layout is None
    assert _check(locator, _conv(("user", "q"), ("assistant", "a"))) == (True, ["a<|im_end|>"])
