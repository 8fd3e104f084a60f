"""What an embedding run is asked to do (no heavy imports: rule-file parsing and the cache read it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EncoderSettings:
    model: str  # a local encoder folder (sentence-transformers layout or plain HF AutoModel)
    max_tokens: int = 16384  # padded tokens per forward batch
    max_rows: int = 256  # rows per batch at most (many short texts)
    device: str = "auto"  # auto (a GPU when present) | cpu | cuda
