"""A tokenizer's fingerprint: a hash of what decides its token ids, never of its name or path.

Hashed: the serialised Rust tokenizer (vocabulary, merges, normalizer, pre-tokenizer, post-processor,
decoder, added tokens), the added tokens with their special flags, the special-token map and the chat
template. A different tokenizer saved at the same path changes the fingerprint; the same tokenizer saved and
loaded again keeps it (the trainer checks SHARDDIR/tokenizer against the manifest).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def _backend_content(tokenizer: Any) -> Any:
    """tokenizer.json as the Rust tokenizer serialises it (stable across save/load), without run-time
    truncation/padding settings; a pure-Python tokenizer contributes its vocabulary."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return sorted(tokenizer.get_vocab().items())
    text = backend.to_str()
    if backend.truncation is None and backend.padding is None:
        return text
    from tokenizers import Tokenizer  # a copy without the settings serialises exactly like an unset one

    clone = Tokenizer.from_str(text)
    clone.no_truncation()
    clone.no_padding()
    return clone.to_str()


def _added_tokens(tokenizer: Any) -> list[tuple[int, str, bool]]:
    decoder = getattr(tokenizer, "added_tokens_decoder", {}) or {}
    return sorted((int(i), str(t.content), bool(getattr(t, "special", False))) for i, t in decoder.items())


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """blake2b (32 hex chars) of the tokenizer's content."""
    backend = _backend_content(tokenizer)
    rest = {
        "added_tokens": _added_tokens(tokenizer),
        "special_tokens": {k: str(v) for k, v in sorted(tokenizer.special_tokens_map.items())},
        "chat_template": getattr(tokenizer, "chat_template", None),
    }
    digest = hashlib.blake2b(digest_size=16)
    digest.update(
        backend.encode("utf-8") if isinstance(backend, str) else json.dumps(backend).encode("utf-8")
    )
    digest.update(b"\0")
    digest.update(json.dumps(rest, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
    return digest.hexdigest()
