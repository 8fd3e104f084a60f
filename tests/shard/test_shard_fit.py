"""Rows over max-len (drop or truncate the last reply), rows with nothing to train, and templates that break
the span locator."""

from __future__ import annotations

from typing import Any

import pytest
from transformers import AutoTokenizer

from tests.conftest import shared_path
from winnow.curation.shard.labels import IGNORE, Labelled
from winnow.curation.shard.settings import ShardSettings
from winnow.curation.shard.spans import TemplateMaskingError
from winnow.curation.shard.templates import ChatTemplate, resolve_template
from winnow.curation.shard.tokenize import Encoder
from winnow.curation.shard.truncate import ReplyText, truncate_last_reply

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


@pytest.fixture(scope="module")
def qwen3() -> Any:
    return AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "qwen3")))


def _encoder(tokenizer: Any, template: ChatTemplate | None = None, **options: Any) -> Encoder:
    template = template or resolve_template("auto", tokenizer)
    return Encoder(tokenizer, template, ShardSettings(**options))


def test_over_max_len_is_dropped_by_default(llama3: Any) -> None:
    out = _encoder(llama3, max_len=64).encode([LONG])
    assert out.sft["row"] == []
    assert out.dropped == [(0, "too_long", "sft: 420 tokens")]


def _row(reply: str) -> dict[str, Any]:
    return {
        "id": "r",
        "kind": "sft",
        "system": "Answer fully.",
        "messages": [{"role": "user", "content": "Go on."}, {"role": "assistant", "content": reply}],
    }


def _trained(tokenizer: Any, out: Any) -> str:
    ids, labels = out.sft["input_ids"][0], out.sft["labels"][0]
    return str(tokenizer.decode([t for t, v in zip(ids, labels, strict=True) if v != IGNORE]))


SENTENCES = " ".join(f"Sentence {i} says a little more." for i in range(40))


def test_truncate_keeps_prompt_header_and_end_of_turn(llama3: Any) -> None:
    row = _row(SENTENCES)
    full = _encoder(llama3, max_len=4096).encode([row])
    out = _encoder(llama3, max_len=64, truncate=True).encode([row])
    ids, labels = out.sft["input_ids"][0], out.sft["labels"][0]
    assert out.sft["truncated"] == [True]
    assert len(ids) <= 64
    prompt_len = next(i for i, v in enumerate(full.sft["labels"][0]) if v != IGNORE)
    assert ids[:prompt_len] == full.sft["input_ids"][0][:prompt_len]  # whole prompt and header kept
    assert llama3.decode(ids[:prompt_len]).endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert ids[-1] == llama3.convert_tokens_to_ids("<|eot_id|>")
    assert labels[-1] == ids[-1]  # the end-of-turn marker is trained
    # the kept reply tokens are the full row's own tokens (a token prefix of the reply)
    assert ids[:-1] == full.sft["input_ids"][0][: len(ids) - 1]
    assert all(v == IGNORE for v in labels[:prompt_len])


def test_truncate_cuts_at_the_last_sentence_end_that_fits(llama3: Any) -> None:
    out = _encoder(llama3, max_len=64, truncate=True).encode([_row(SENTENCES)])
    trained = _trained(llama3, out)
    kept = trained.removesuffix("<|eot_id|>")
    assert SENTENCES.startswith(kept)
    assert kept.endswith("says a little more.")  # a whole sentence, never a word or a sentence cut short
    # ... and the last one that fits: one more sentence would not
    more = SENTENCES[: SENTENCES.index(".", len(kept)) + 1]
    header = next(i for i, v in enumerate(out.sft["labels"][0]) if v != IGNORE)
    assert header + len(llama3(more, add_special_tokens=False)["input_ids"]) + 1 > 64


def test_truncate_chinese_reply_cuts_after_a_full_width_end(qwen3: Any) -> None:
    reply = "".join(f"第{i}句话说了一点事情。" for i in range(60))
    out = _encoder(qwen3, max_len=80, truncate=True).encode([_row(reply)])
    kept = _trained(qwen3, out).removesuffix("<|im_end|>")
    assert kept.startswith("<think>\n\n</think>\n\n")
    body = kept.removeprefix("<think>\n\n</think>\n\n")
    assert body
    assert reply.startswith(body)
    assert body.endswith("事情。")


def test_truncate_a_code_reply_only_at_a_line_break(qwen3: Any) -> None:
    lines = [f"value_{i} = compute(a.b, {i}.5)  # step {i}. Next!" for i in range(40)]
    reply = "Here it is:\n```python\n" + "\n".join(lines) + "\n```"
    out = _encoder(qwen3, max_len=120, truncate=True).encode([_row(reply)])
    body = _trained(qwen3, out).removesuffix("<|im_end|>").removeprefix("<think>\n\n</think>\n\n")
    assert reply.startswith(body)
    assert reply[len(body.rstrip("\n"))] == "\n"  # whole lines only, though '.' and '!' occur in them


def test_truncate_without_a_sentence_end_that_fits_drops_the_row(llama3: Any) -> None:
    # "0 1 2 ... 199": no sentence end, no line break; cutting it anywhere would stop mid-thought
    out = _encoder(llama3, max_len=64, truncate=True).encode([LONG])
    assert out.sft["row"] == []
    assert out.dropped == [(0, "too_long_no_sentence_end", "sft: 420 tokens")]
    # a list number is not a sentence end either: the cut falls at the line break before it
    listed = "Steps follow.\n" + "\n".join(f"{i}. Mix part {i} well" for i in range(1, 60))
    out = _encoder(llama3, max_len=64, truncate=True).encode([_row(listed)])
    kept = _trained(llama3, out).removesuffix("<|eot_id|>")
    assert listed.startswith(kept)
    assert kept.endswith("well\n") or listed.startswith(kept + "\n")
    # a decimal point is not a sentence end
    out = _encoder(llama3, max_len=64, truncate=True).encode([_row(" ".join(f"{i}.5" for i in range(200)))])
    assert [reason for _, reason, _ in out.dropped] == ["too_long_no_sentence_end"]


def test_truncate_never_keeps_only_the_think_block(qwen3: Any) -> None:
    # the empty think block ends in a line break, but it is decoration, not the reply's words
    out = _encoder(qwen3, max_len=40, truncate=True).encode([_row("word " * 200)])
    assert [reason for _, reason, _ in out.dropped] == ["too_long_no_sentence_end"]


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
    # prompt 0..2, reply 3..9 with end-of-turn 9, then a trailing token 10; one character per reply token
    ids = list(range(100, 111))
    labels = [IGNORE] * 3 + ids[3:10] + [IGNORE]
    item = Labelled(ids, labels, [(3, 10)])
    text = "PPPab. cd<\n"  # token t holds character t; the reply "ab. cd" + "<" (end-of-turn) is 3..9
    offsets = [(t, t + 1) for t in range(11)]
    reply = ReplyText(text, offsets, (3, 10))
    cut, reason = truncate_last_reply(item, 8, frozenset({109}), reply)
    assert cut is not None
    assert reason == ""
    assert cut.input_ids == [100, 101, 102, 103, 104, 105, 109, 110]  # "ab." + end-of-turn
    assert cut.labels == [IGNORE, IGNORE, IGNORE, 103, 104, 105, 109, IGNORE]
    assert cut.reply_tokens == [(3, 7)]
    # room for "ab" only: no sentence end fits
    assert truncate_last_reply(item, 7, frozenset({109}), reply) == (None, "too_long_no_sentence_end")
    assert truncate_last_reply(item, 5, frozenset({109}), reply) == (None, "too_long")  # no room at all
    assert truncate_last_reply(item, 11, frozenset({109}), reply) == (item, "")


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
