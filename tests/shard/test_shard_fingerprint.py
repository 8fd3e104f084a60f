"""The tokenizer fingerprint: content, not name or path; stable across save/load; sensitive to every part."""

from __future__ import annotations

import shutil
from pathlib import Path

from transformers import AutoTokenizer

from tests.conftest import shared_path
from winnow.curation.shard.fingerprint import tokenizer_fingerprint


def test_fingerprint_is_content_not_path(tmp_path: Path) -> None:
    source = shared_path("tokenizers", "llama3_1")
    copy = tmp_path / "elsewhere"
    shutil.copytree(source, copy)
    original = AutoTokenizer.from_pretrained(str(source))
    assert tokenizer_fingerprint(AutoTokenizer.from_pretrained(str(copy))) == tokenizer_fingerprint(original)
    saved = tmp_path / "saved"
    original.save_pretrained(str(saved))
    assert tokenizer_fingerprint(AutoTokenizer.from_pretrained(str(saved))) == tokenizer_fingerprint(original)


def test_fingerprint_changes_with_template_special_tokens_and_vocab() -> None:
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "qwen3")))
    base = tokenizer_fingerprint(tokenizer)
    tokenizer.chat_template = "{{ messages }}"
    templated = tokenizer_fingerprint(tokenizer)
    assert templated != base
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|winnow_test|>"]})
    assert tokenizer_fingerprint(tokenizer) not in (base, templated)
    other = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "llama3_1")))
    assert tokenizer_fingerprint(other) != base
    assert len(base) == 32


def test_fingerprint_ignores_run_time_padding_and_truncation() -> None:
    tokenizer = AutoTokenizer.from_pretrained(str(shared_path("tokenizers", "llama3_1")))
    base = tokenizer_fingerprint(tokenizer)
    tokenizer.backend_tokenizer.enable_truncation(16)
    tokenizer.backend_tokenizer.enable_padding(length=16)
    assert tokenizer_fingerprint(tokenizer) == base
