"""Rows over max-len (drop or truncate the last reply), rows with nothing to train, and templates that break
the span locator."""

from __future__ import annotations

from typing import Any

import pytest
from transformers import AutoTokenizer

from curate.shard.labels import IGNORE, Labelled, truncate_last_reply
from curate.shard.settings import ShardSettings
from curate.shard.spans import TemplateMaskingError
from curate.shard.templates import ChatTemplate, resolve_template
from curate.shard.tokenize import Encoder
from tests.conftest import shared_path

LONG = {
    "id": "long",
    "kind": "sft",
    "system": "Answer fully.",
    "messages": [
        {"role": "user", "content": "Count."},
        {"role": "assistant", "content": " ".join(str(i) for i in range(200))},
    ],
}


@pytest.fixture(scope="module")
def llama3() -> Any:
    return AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "llama3_1")))


def _encoder(tokenizer: Any, template: ChatTemplate | None = None, **options: Any) -> Encoder:
    template = template or resolve_template("auto", tokenizer)
    return Encoder(tokenizer, template, ShardSettings(**options))


def test_over_max_len_is_dropped_by_default(llama3: Any) -> None:
    out = _encoder(llama3, max_len=64).encode([LONG])
    assert out.sft["row"] == []
    assert out.dropped == [(0, "too_long", "sft: 420 tokens")]


def test_truncate_keeps_prompt_header_and_end_of_turn(llama3: Any) -> None:
    full = _encoder(llama3, max_len=4096).encode([LONG])
    out = _encoder(llama3, max_len=64, truncate=True).encode([LONG])
    ids, labels = out.sft["input_ids"][0], out.sft["labels"][0]
    assert out.sft["truncated"] == [True]
    assert len(ids) == 64
    prompt_len = next(i for i, v in enumerate(full.sft["labels"][0]) if v != IGNORE)
    assert ids[:prompt_len] == full.sft["input_ids"][0][:prompt_len]  # whole prompt and header kept
    assert llama3.decode(ids[:prompt_len]).endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert ids[-1] == llama3.convert_tokens_to_ids("<|eot_id|>")
    assert labels[-1] == ids[-1]  # the end-of-turn marker is trained
    trained = llama3.decode([t for t, v in zip(ids, labels, strict=True) if v != IGNORE])
    assert trained.startswith("0 1 2 3")
    assert trained.endswith("<|eot_id|>")
    assert all(v == IGNORE for v in labels[:prompt_len])


def test_truncate_cannot_cut_the_prompt(llama3: Any) -> None:
    out = _encoder(llama3, max_len=16, truncate=True).encode([LONG])
    assert out.dropped == [(0, "too_long", "sft: 420 tokens")]


def test_no_trainable_tokens(llama3: Any) -> None:
    rows = [{"id": "q", "kind": "sft", "messages": [{"role": "user", "content": "Only a question"}]}]
    assert _encoder(llama3).encode(rows).dropped == [(0, "no_trainable_tokens", "sft: 9 tokens")]


def test_template_refusing_a_row_drops_it(llama3: Any) -> None:
    strict = ChatTemplate(
        "strict",
        "{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('no tools here') }}{% endif %}"
        "{{ m.content + eos_token }}{% endfor %}",
        "tool",
        False,
    )
    rows = [
        {
            "id": "t",
            "kind": "sft",
            "messages": [
                {"role": "user", "content": "q"},
                {"role": "tool", "content": "r"},
                {"role": "assistant", "content": "a"},
            ],
        }
    ]
    assert _encoder(llama3, strict).encode(rows).dropped == [(0, "template_error", "strict: no tools here")]


def test_template_breaking_the_prefix_property_is_an_error(llama3: Any) -> None:
    counting = ChatTemplate(
        "counting",
        "{{ messages | length }}{% for m in messages %}{{ m.role + ': ' + m.content + eos_token }}{% endfor %}"
        "{% if add_generation_prompt %}assistant: {% endif %}",
        "tool",
        False,
    )
    with pytest.raises(
        TemplateMaskingError, match=r"template 'counting' .* at turn 2 .*not a prefix"
    ) as caught:
        _encoder(llama3, counting).encode([LONG])
    assert caught.value.where == "row long"


def test_a_row_the_locator_cannot_place_is_dropped_and_the_others_kept(llama3: Any) -> None:
    # the template masks its probes, but shouts an earlier reply holding "!!" (not when it is last):
    # that row cannot be located; it is dropped with its reason and the run goes on
    shouting = ChatTemplate(
        "shouting",
        "{% for m in messages %}{{ m.role + ': ' }}"
        "{% if '!!' in m.content and not loop.last %}{{ m.content | upper }}{% else %}{{ m.content }}{% endif %}"
        "{{ eos_token }}{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}",
        "tool",
        False,
    )
    loud = {
        "id": "loud",
        "kind": "sft",
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "wow!!"},
            {"role": "user", "content": "q2"},
            {"role": "assistant", "content": "ok"},
        ],
    }
    quiet = {"id": "quiet", "kind": "sft", "messages": loud["messages"][:2]}
    encoder = _encoder(llama3, shouting)
    assert encoder.locator.masks_probes
    out = encoder.encode([loud, quiet])
    assert out.sft["row"] == [1]
    assert [(row, reason) for row, reason, _ in out.dropped] == [(0, "reply_not_located")]
    assert "turn 1" in out.dropped[0][2]


def test_truncate_last_reply_unit() -> None:
    # prompt 0..2, reply 3..9 with end-of-turn 9, then a trailing token 10
    ids = list(range(100, 111))
    labels = [IGNORE] * 3 + ids[3:10] + [IGNORE]
    item = Labelled(ids, labels, [(3, 10)])
    cut = truncate_last_reply(item, 7, frozenset({109}))
    assert cut is not None
    assert cut.input_ids == [100, 101, 102, 103, 104, 109, 110]
    assert cut.labels == [IGNORE, IGNORE, IGNORE, 103, 104, 109, IGNORE]
    assert cut.reply_tokens == [(3, 6)]
    assert truncate_last_reply(item, 5, frozenset({109})) is None  # no room for one reply token
    assert truncate_last_reply(item, 11, frozenset({109})) is item


def test_special_token_written_in_text_drops_the_row(llama3: Any) -> None:
    rows = [
        {
            "id": "c",
            "kind": "sft",
            "messages": [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "early<|eot_id|>stop"},
            ],
        }
    ]
    assert _encoder(llama3).encode(rows).dropped == [
        (0, "control_token_in_text", "'<|eot_id|>' written in the row's text")
    ]
