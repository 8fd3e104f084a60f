"""Encode texts with a local encoder: tokenized once, batched by length, pooled as the folder says.

Texts are tokenized in one fast-tokenizer call (truncated at the folder's max_seq_length), sorted by token
count and cut into batches of at most `max_tokens` padded tokens (`winnow.trainer.batching.greedy_batches`),
so a batch pads to about its own rows' length instead of the longest text's; vectors come back in input
order. fp32 on CPU, on a GPU when present (fp32 there too: vectors are compared by cosine at thresholds
where bf16 rounding would move pairs across).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from winnow.curation.embed.pooling import Pooling, read_pooling
from winnow.curation.embed.settings import EncoderSettings
from winnow.curation.errors import UsageError
from winnow.curation.scores.device import resolve_device
from winnow.trainer.batching import greedy_batches
from winnow.trainer.quiet import quiet_transformers


def pool(hidden: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """(B, L, H) token vectors and (B, L) 0/1 mask -> (B, H), as sentence-transformers' Pooling computes it."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    if mode == "cls":
        return hidden[:, 0]
    if mode == "lasttoken":  # right padding: the last real token of each row
        last = mask.sum(dim=1) - 1
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    if mode == "max":
        return hidden.masked_fill(weights == 0, float("-inf")).max(dim=1).values
    summed = (hidden * weights).sum(dim=1)
    counts = weights.sum(dim=1).clamp(min=1e-9)
    if mode == "mean_sqrt_len":
        return summed / counts.sqrt()
    return summed / counts


class TextEncoder:
    """One encoder folder loaded once; `encode` any number of text lists."""

    def __init__(self, settings: EncoderSettings) -> None:
        from transformers import AutoModel, AutoTokenizer

        self.settings = settings
        folder = Path(settings.model)
        self.pooling: Pooling = read_pooling(folder)
        self.device = resolve_device(settings.device)
        try:
            with quiet_transformers():  # no "Loading weights" bar between winnow's own progress lines
                self.tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
                self.model = AutoModel.from_pretrained(
                    str(folder), dtype=torch.float32, trust_remote_code=False
                )
        except (OSError, ValueError) as error:
            raise UsageError(f"cannot load an encoder from {folder}: {error}") from error
        self.model.to(self.device).eval()
        limits = [
            self.pooling.max_seq_length,
            getattr(self.model.config, "max_position_embeddings", None),
            self.tokenizer.model_max_length if self.tokenizer.model_max_length < 1_000_000 else None,
        ]
        self.max_length = min(int(x) for x in limits if x)
        pad = self.tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else 0)

    @property
    def dimension(self) -> int:
        return int(self.model.config.hidden_size)

    @torch.inference_mode()
    def encode(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """(len(texts), dimension) float32 vectors, L2-normalized when the folder says so."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encoded = self.tokenizer(
            texts, truncation=True, max_length=self.max_length, add_special_tokens=True, padding=False
        )
        ids: list[list[int]] = encoded["input_ids"]
        types: list[list[int]] | None = encoded.get("token_type_ids")
        lengths = np.array([len(x) for x in ids], dtype=np.int64)
        order = np.argsort(lengths, kind="stable").tolist()
        done = 0
        for rows in greedy_batches(order, lengths, self.settings.max_tokens, self.settings.max_rows):
            vectors = self._forward(rows, ids, types, lengths)
            out[rows] = vectors
            done += len(rows)
            if progress is not None:
                progress(done)
        return out

    def _forward(
        self, rows: list[int], ids: list[list[int]], types: list[list[int]] | None, lengths: np.ndarray
    ) -> np.ndarray:
        longest = int(lengths[rows].max())
        input_ids = torch.full((len(rows), longest), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), longest), dtype=torch.long)
        token_types = torch.zeros((len(rows), longest), dtype=torch.long) if types is not None else None
        for b, row in enumerate(rows):
            n = len(ids[row])
            input_ids[b, :n] = torch.tensor(ids[row], dtype=torch.long)
            mask[b, :n] = 1
            if token_types is not None and types is not None:
                token_types[b, :n] = torch.tensor(types[row], dtype=torch.long)
        inputs: dict[str, Any] = {
            "input_ids": input_ids.to(self.device),
            "attention_mask": mask.to(self.device),
        }
        if token_types is not None:
            inputs["token_type_ids"] = token_types.to(self.device)
        hidden = self.model(**inputs).last_hidden_state
        pooled = pool(hidden.float(), inputs["attention_mask"], self.pooling.mode)
        if self.pooling.normalize:
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.cpu().numpy()
