"""Lazy Encoding offsets: the same values and the same token ranges as the full offsets list."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from tests.conftest import shared_path
from winnow.curation.shard.labels import EncodingOffsets, token_range

TEXT = "<|im_start|>user\n你好 there😀<|im_end|>\n<|im_start|>assistant\n  Hi, 世界!<|im_end|>\n"


LLAMA3 = (
    "<|start_header_id|>user<|end_header_id|>\n\n你好 there😀 ok<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n  Hi, 世界!\n\n- a\tb<|eot_id|>"
)


def test_lazy_offsets_equal_the_list() -> None:
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "qwen3")))
    encoding = tokenizer.backend_tokenizer.encode_batch([TEXT], add_special_tokens=False)[0]
    lazy, full = EncodingOffsets(encoding), encoding.offsets
    assert len(lazy) == len(full) == 19
    assert list(lazy) == full
    assert lazy[-1] == full[-1]
    assert lazy[2:5] == full[2:5]
    with pytest.raises(IndexError):
        lazy[len(full)]
    reply = TEXT.index("  Hi")
    assert token_range(TEXT, full, (reply, TEXT.rindex("<|im_end|>") + 10)) == (11, 18)


@pytest.mark.parametrize(
    ("name", "text"), [("qwen3", TEXT), ("qwen3", LLAMA3), ("llama3_1", LLAMA3), ("llama3_1", TEXT)]
)
def test_lazy_searches_equal_binary_search_on_every_span(name: str, text: str) -> None:
    # every character span, including ones that cut a token or a multi-byte character: the lazy searches
    # (the token holding a character, checked against its neighbours) equal binary search on the list
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", name)))
    encoding = tokenizer.backend_tokenizer.encode_batch([text], add_special_tokens=False)[0]
    lazy, full = EncodingOffsets(encoding), encoding.offsets
    for s in range(len(text) + 1):
        for e in range(s, len(text) + 1):
            assert token_range(text, lazy, (s, e)) == token_range(text, full, (s, e))
