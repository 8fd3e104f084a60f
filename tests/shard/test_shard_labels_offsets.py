"""Lazy Encoding offsets: the same values and the same token ranges as the full offsets list."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from curate.shard.labels import EncodingOffsets, token_range
from tests.conftest import shared_path

TEXT = "<|im_start|>user\n你好 there😀<|im_end|>\n<|im_start|>assistant\n  Hi, 世界!<|im_end|>\n"


def test_lazy_offsets_equal_the_list_and_give_the_same_ranges() -> None:
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "qwen3")))
    encoding = tokenizer.backend_tokenizer.encode_batch([TEXT], add_special_tokens=False)[0]
    lazy, full = EncodingOffsets(encoding), encoding.offsets
    assert len(lazy) == len(full) == 19
    assert list(lazy) == full
    assert lazy[-1] == full[-1]
    assert lazy[2:5] == full[2:5]
    with pytest.raises(IndexError):
        lazy[len(full)]
    # every character span, including ones that cut a token or a multi-byte character
    for s in range(len(TEXT) + 1):
        for e in range(s, len(TEXT) + 1):
            assert token_range(TEXT, lazy, (s, e)) == token_range(TEXT, full, (s, e))
    reply = TEXT.index("  Hi")
    assert token_range(TEXT, full, (reply, TEXT.rindex("<|im_end|>") + 10)) == (11, 18)
