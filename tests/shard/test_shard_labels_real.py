"""Assistant-only labels with the real tokenizers: what is trained decodes to exactly the replies + end-of-turn.

Qwen3 and Llama 3.1 use their own chat templates (and our ids must equal apply_chat_template's); the Llama 2
SentencePiece tokenizer has no template and uses the built-in `llama2` one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from transformers import AutoTokenizer

from tests.conftest import shared_path
from winnow.curation.shard.conversation import conversation_from_row
from winnow.curation.shard.labels import IGNORE, decode_matches, unicode_form
from winnow.curation.shard.settings import ShardSettings
from winnow.curation.shard.templates import resolve_template
from winnow.curation.shard.tokenize import Encoder

WEATHER_CALL = json.dumps({"name": "get_weather", "arguments": {"city": "Paris"}})
TOOLS = json.dumps(
    [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
)

SINGLE = {
    "id": "single",
    "kind": "sft",
    "messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}],
}
MULTI = {
    "id": "multi",
    "kind": "sft",
    "system": "You are terse.",
    "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello there."},
        {"role": "user", "content": "你好吗？"},
        {"role": "assistant", "content": "我很好，谢谢。"},
    ],
}
TOOL = {
    "id": "tool",
    "kind": "sft",
    "tools": TOOLS,
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "tool_call", "content": WEATHER_CALL},
        {"role": "tool", "content": '{"temp": 21}'},
        {"role": "assistant", "content": "It is 21 degrees."},
    ],
}
INPUT = {
    "id": "input",
    "kind": "sft",
    "input": "苹果，香蕉",
    "messages": [
        {"role": "user", "content": "把这些水果按字母排序。"},
        {"role": "assistant", "content": "香蕉，苹果"},
    ],
}
ROWS = [SINGLE, MULTI, TOOL, INPUT]


def _tokenizer(name: str) -> Any:
    if name == "llama2_sentencepiece":
        pytest.importorskip("sentencepiece")
        pytest.importorskip("google.protobuf")
    return AutoTokenizer.from_pretrained(str(shared_path("tokenizers", name)))


def _trained_groups(tokenizer: Any, ids: list[int], labels: list[int]) -> list[str]:
    """Decoded runs of consecutive trained tokens."""
    groups: list[list[int]] = []
    current: list[int] = []
    for token, lab in zip(ids, labels, strict=True):
        if lab != IGNORE:
            assert lab == token
            current.append(token)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return [
        tokenizer.decode(g, skip_special_tokens=False, clean_up_tokenization_spaces=False) for g in groups
    ]


def _encode(tokenizer: Any, template: str, rows: list[dict[str, Any]], **options: Any) -> Any:
    settings = ShardSettings(template=template, **options)
    return Encoder(tokenizer, resolve_template(template, tokenizer), settings).encode(rows)


@pytest.fixture(scope="module")
def qwen3() -> Any:
    return _tokenizer("qwen3")


@pytest.fixture(scope="module")
def llama3() -> Any:
    return _tokenizer("llama3_1")


@pytest.fixture(scope="module")
def llama2() -> Any:
    return _tokenizer("llama2_sentencepiece")


QWEN_THINK = "<think>\n\n</think>\n\n"
QWEN_CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'


def test_qwen3_labels_are_replies_with_end_of_turn(qwen3: Any) -> None:
    out = _encode(qwen3, "auto", ROWS)
    assert out.dropped == []
    groups = [
        _trained_groups(qwen3, i, lab) for i, lab in zip(out.sft["input_ids"], out.sft["labels"], strict=True)
    ]
    # Qwen3 renders the empty think block before the final reply only; it is trained there (documented).
    assert groups == [
        [f"{QWEN_THINK}Blue.<|im_end|>"],
        ["Hello there.<|im_end|>", f"{QWEN_THINK}我很好，谢谢。<|im_end|>"],
        [f"{QWEN_CALL}<|im_end|>", f"{QWEN_THINK}It is 21 degrees.<|im_end|>"],
        [f"{QWEN_THINK}香蕉，苹果<|im_end|>"],
    ]


def test_llama3_labels_are_replies_with_end_of_turn(llama3: Any) -> None:
    out = _encode(llama3, "auto", ROWS)
    groups = [
        _trained_groups(llama3, i, lab)
        for i, lab in zip(out.sft["input_ids"], out.sft["labels"], strict=True)
    ]
    assert groups == [
        ["Blue.<|eot_id|>"],
        ["Hello there.<|eot_id|>", "我很好，谢谢。<|eot_id|>"],
        [f"{WEATHER_CALL}<|eot_id|>", "It is 21 degrees.<|eot_id|>"],
        ["香蕉，苹果<|eot_id|>"],
    ]


def test_llama2_builtin_template_labels(llama2: Any) -> None:
    out = _encode(llama2, "llama2", ROWS)
    groups = [
        _trained_groups(llama2, i, lab)
        for i, lab in zip(out.sft["input_ids"], out.sft["labels"], strict=True)
    ]
    # Meta's format puts a space before </s>; SentencePiece decoding drops the leading "▁" of a run.
    assert groups == [
        ["Blue. </s>"],
        ["Hello there. </s>", "我很好，谢谢。 </s>"],
        [f"{WEATHER_CALL} </s>", "It is 21 degrees. </s>"],
        ["香蕉，苹果 </s>"],
    ]


@pytest.mark.parametrize("name", ["qwen3", "llama3_1"])
def test_input_ids_equal_apply_chat_template(name: str, qwen3: Any, llama3: Any) -> None:
    tokenizer = qwen3 if name == "qwen3" else llama3
    template = resolve_template("auto", tokenizer)
    out = _encode(tokenizer, "auto", ROWS)
    for row, ids in zip(ROWS, out.sft["input_ids"], strict=True):
        conv = conversation_from_row(row, template)
        expected = tokenizer.apply_chat_template(
            conv.messages, tools=conv.tools, tokenize=True, return_dict=True
        )
        assert ids == expected["input_ids"]


def test_system_and_tool_text_never_trained(qwen3: Any) -> None:
    out = _encode(qwen3, "auto", [MULTI, TOOL])
    for ids, labels in zip(out.sft["input_ids"], out.sft["labels"], strict=True):
        trained = "".join(_trained_groups(qwen3, ids, labels))
        assert "terse" not in trained
        assert "temp" not in trained
        assert "<|im_start|>" not in trained  # headers are not trained


def test_last_turn_only(llama3: Any) -> None:
    out = _encode(llama3, "auto", [MULTI], last_turn_only=True)
    assert _trained_groups(llama3, out.sft["input_ids"][0], out.sft["labels"][0]) == [
        "我很好，谢谢。<|eot_id|>"
    ]


def test_train_on_prompt_keeps_system_and_tool_results_masked(llama3: Any) -> None:
    out = _encode(llama3, "auto", [MULTI, TOOL], train_on_prompt=True)
    multi = _trained_groups(llama3, out.sft["input_ids"][0], out.sft["labels"][0])
    assert "You are terse." not in "".join(multi)
    assert multi[0] == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
    assert "Hi<|eot_id|>" in multi[1]
    tool = "".join(_trained_groups(llama3, out.sft["input_ids"][1], out.sft["labels"][1]))
    assert '{"temp": 21}' not in tool
    assert "Weather in Paris?" in tool


def test_preference_rows_label_only_the_reply(llama3: Any) -> None:
    row = {
        "id": "p",
        "kind": "preference",
        "messages": [{"role": "user", "content": "Pick one"}],
        "chosen": "Good",
        "rejected": "Bad",
    }
    out = _encode(llama3, "auto", [row])
    assert out.sft["row"] == []
    pref = out.preference
    assert _trained_groups(llama3, pref["chosen_input_ids"][0], pref["chosen_labels"][0]) == [
        "Good<|eot_id|>"
    ]
    assert _trained_groups(llama3, pref["rejected_input_ids"][0], pref["rejected_labels"][0]) == [
        "Bad<|eot_id|>"
    ]
    assert llama3.decode(pref["chosen_input_ids"][0][: pref["prompt_length"][0]]).endswith(
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )


def test_pretrain_and_kto_rows(llama3: Any) -> None:
    rows = [
        {"id": "t", "kind": "pretrain", "text": "Once upon a time."},
        {"id": "k1", "kind": "kto", "label": True, "messages": SINGLE["messages"]},
        {"id": "k0", "kind": "kto", "label": False, "messages": SINGLE["messages"]},
    ]
    out = _encode(llama3, "auto", rows)
    assert out.sft["labels"][0] == out.sft["input_ids"][0]
    assert llama3.decode(out.sft["input_ids"][0]) == "<|begin_of_text|>Once upon a time.<|eot_id|>"
    assert _trained_groups(llama3, out.sft["input_ids"][1], out.sft["labels"][1]) == ["Blue.<|eot_id|>"]
    assert out.dropped == [(2, "kto_undesirable", "KTO row labelled undesirable")]


@pytest.mark.parametrize(("name", "template"), [("llama2_sentencepiece", "llama2"), ("qwen3", "chatml")])
def test_builtin_template_ids_equal_apply_chat_template(
    name: str, template: str, qwen3: Any, llama2: Any
) -> None:
    """With a built-in template set as the tokenizer's chat_template, ids still equal apply_chat_template's."""
    tokenizer = qwen3 if name == "qwen3" else llama2
    resolved = resolve_template(template, tokenizer)
    out = _encode(tokenizer, template, ROWS)
    saved = tokenizer.chat_template
    tokenizer.chat_template = resolved.text
    try:
        for row, ids in zip(ROWS, out.sft["input_ids"], strict=True):
            conv = conversation_from_row(row, resolved)
            expected = tokenizer.apply_chat_template(conv.messages, tokenize=True, return_dict=True)
            assert ids == expected["input_ids"]
    finally:
        tokenizer.chat_template = saved


def test_train_on_prompt_with_last_turn_only_still_masks_system(llama3: Any) -> None:
    out = _encode(llama3, "auto", [MULTI], train_on_prompt=True, last_turn_only=True)
    trained = "".join(_trained_groups(llama3, out.sft["input_ids"][0], out.sft["labels"][0]))
    assert "You are terse." not in trained
    assert trained.endswith("我很好，谢谢。<|eot_id|>")


REASONED = {
    "id": "reasoned",
    "kind": "sft",
    "messages": [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "<think>\nAdd them.\n</think>\n\nIt is 4."},
        {"role": "user", "content": "3+3?"},
        {"role": "assistant", "content": "6."},
    ],
}


def test_qwen3_reasoning_in_an_earlier_reply_is_labelled_as_the_template_renders_it(qwen3: Any) -> None:
    # Qwen3's template drops the reasoning of an earlier reply: its answer alone is rendered and trained.
    rows = [REASONED, SINGLE]
    out = _encode(qwen3, "auto", rows)
    assert out.dropped == []
    groups = [
        _trained_groups(qwen3, i, lab) for i, lab in zip(out.sft["input_ids"], out.sft["labels"], strict=True)
    ]
    assert groups == [["It is 4.<|im_end|>", f"{QWEN_THINK}6.<|im_end|>"], [f"{QWEN_THINK}Blue.<|im_end|>"]]
    template = resolve_template("auto", qwen3)
    conv = conversation_from_row(REASONED, template)
    expected = qwen3.apply_chat_template(conv.messages, tokenize=True, return_dict=True)["input_ids"]
    assert out.sft["input_ids"][0] == expected


def test_qwen3_reasoning_in_the_final_reply_is_trained(qwen3: Any) -> None:
    row = {"id": "last", "kind": "sft", "messages": REASONED["messages"][:2]}
    out = _encode(qwen3, "auto", [row])
    assert _trained_groups(qwen3, out.sft["input_ids"][0], out.sft["labels"][0]) == [
        "<think>\nAdd them.\n</think>\n\nIt is 4.<|im_end|>"
    ]


def test_decomposed_character_is_checked_under_the_tokenizers_normalization(qwen3: Any, llama3: Any) -> None:
    # Qwen3 normalizes to NFC: "e" + U+0301 is tokenized (and decoded) as "é", the same text.
    row = {
        "id": "nfd",
        "kind": "sft",
        "messages": [
            {"role": "user", "content": "A word?"},
            {"role": "assistant", "content": "cafe\u0301 is one."},
        ],
    }
    assert unicode_form(qwen3) == "NFC"
    assert unicode_form(llama3) is None
    out = _encode(qwen3, "auto", [row])
    assert out.dropped == []
    assert _trained_groups(qwen3, out.sft["input_ids"][0], out.sft["labels"][0]) == [
        f"{QWEN_THINK}caf\u00e9 is one.<|im_end|>"
    ]
    template = resolve_template("auto", qwen3)
    conv = conversation_from_row(row, template)
    expected = qwen3.apply_chat_template(conv.messages, tokenize=True, return_dict=True)["input_ids"]
    assert out.sft["input_ids"][0] == expected
    # without the tokenizer's form the raw texts differ: the check is not simply switched off
    assert not decode_matches("caf\u00e9", "cafe\u0301")
    assert decode_matches("caf\u00e9", "cafe\u0301", "NFC")
