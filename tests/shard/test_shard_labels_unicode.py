"""The Unicode normalization form a tokenizer applies, read from its normalizer alone."""

from __future__ import annotations

from typing import Any

from tokenizers import Tokenizer, normalizers
from tokenizers.models import WordLevel
from transformers import PreTrainedTokenizerFast

from winnow.curation.shard.labels import unicode_form


def _with_normalizer(normalizer: Any) -> Any:
    backend = Tokenizer(WordLevel({"a": 0, "[UNK]": 1}, unk_token="[UNK]"))
    if normalizer is not None:
        backend.normalizer = normalizer
    return PreTrainedTokenizerFast(tokenizer_object=backend)


def test_unicode_form_is_read_from_the_normalizer_alone() -> None:
    sequence = normalizers.Sequence([normalizers.NFKD(), normalizers.Lowercase(), normalizers.NFKC()])
    assert unicode_form(_with_normalizer(sequence)) == "NFKC"  # applied in turn: the last form wins
    assert unicode_form(_with_normalizer(normalizers.NFD())) == "NFD"
    assert unicode_form(_with_normalizer(normalizers.Lowercase())) is None
    assert unicode_form(_with_normalizer(None)) is None
    assert unicode_form(object()) is None  # no tokenizers backend
