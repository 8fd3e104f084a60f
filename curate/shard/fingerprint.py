"""A tokenizer's fingerprint: a hash of what decides its token ids, never of its name or path.

Hashed: the vocabulary and merges (the tokenizers model), the normalizer, pre-tokenizer and decoder, the
added tokens with their special flags, the special-token map and the chat template. A different tokenizer
saved at the same path changes the fingerprint; the same tokenizer saved and loaded again keeps it (the
trainer may check SHARDDIR/tokenizer against the manifest).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# Parts of tokenizer.json that decide ids. The post-processor is left out: transformers rebuilds it from
# add_bos/add_eos on load, and the shards are tokenized without it (add_special_tokens=False).
_BACKEND_PARTS = ("model", "normalizer", "pre_tokenizer", "decoder")


def _backend_content(tokenizer: Any) -> Any:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:  # a pure-Python tokenizer: its vocabulary is what we can see
        return sorted(tokenizer.get_vocab().items())
    spec = json.loads(backend.to_str())
    return {part: spec.get(part) for part in _BACKEND_PARTS}


def _added_tokens(tokenizer: Any) -> list[tuple[int, str, bool]]:
    decoder = getattr(tokenizer, "added_tokens_decoder", {}) or {}
    return sorted((int(i), str(t.content), bool(getattr(t, "special", False))) for i, t in decoder.items())


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """blake2b (32 hex chars) of the tokenizer's content."""
    template = getattr(tokenizer, "chat_template", None)
    payload = {
        "backend": _backend_content(tokenizer),
        "added_tokens": _added_tokens(tokenizer),
        "special_tokens": {k: str(v) for k, v in sorted(tokenizer.special_tokens_map.items())},
        "chat_template": template,
    }
    digest = hashlib.blake2b(digest_size=16)
    digest.update(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
    return digest.hexdigest()
