"""Score rows with a local causal LM: the reply's mean token loss with its prompt, without it, and their ratio.

    scorer = ModelScorer(ScoreSettings(model="path/to/model", template="auto"), cache_dir=Path(".cache"))
    result = scorer.score(rows)        # rows: canonical records as dicts

IFD (instruction-following difficulty, Li et al., "From Quantity to Quality", NAACL 2024) is
loss_with_prompt / loss_without_prompt: below 1 the prompt helps the model predict the reply; at or above 1
it does not, which on instruction data usually means the reply does not answer the prompt. Superfiltering
(Li et al. 2024) shows a small model's IFD ranks data nearly as well as a large one's.

Tokens and labels come from the shard machinery (the template `winnow shard` and `winnow train` use, labels
on the scored reply only: see winnow.curation.scores.rows); the model is loaded the way the trainer loads it
(winnow.trainer.model: fp32 on CPU, bf16 on GPUs that have it, SDPA attention). Scores are cached by
(row content, model content digest, template, dtype, max_len) (winnow.curation.scores.cache), so a re-run
scores nothing again.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from winnow.curation.scores.cache import ScoreCache, cache_file, row_key
from winnow.curation.scores.device import resolve_device
from winnow.curation.scores.digest import model_digest
from winnow.curation.scores.rows import scored_pair

ENCODE_CHUNK = 2048  # rows rendered and tokenized per Encoder call (bounds the token lists held at once)


@dataclass(frozen=True)
class ScoreSettings:
    model: str
    template: str = "auto"
    max_len: int = (
        2048  # longer conversations are not scored (reason too_long); capped by the model's context
    )
    max_tokens: int = 8192  # padded tokens per forward batch
    device: str = "auto"  # auto | cpu | cuda


@dataclass
class ScoreResult:
    """Per input row (None where not scored), plus where the scores came from."""

    loss_with_prompt: list[float | None]
    loss_without_prompt: list[float | None]
    ifd: list[float | None]
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> rows not scored
    from_cache: int = 0
    computed: int = 0


def _ratio(with_prompt: float, without: float) -> float | None:
    if math.isnan(with_prompt) or math.isnan(without) or without <= 0.0:
        return None
    return with_prompt / without


class ModelScorer:
    """One model, tokenizer, template and cache; `score` any number of row lists."""

    def __init__(self, settings: ScoreSettings, cache_dir: Path | None) -> None:
        from winnow.curation.shard.settings import ShardSettings
        from winnow.curation.shard.templates import resolve_template
        from winnow.curation.shard.tokenize import Encoder
        from winnow.curation.shard.writer import load_tokenizer
        from winnow.trainer.config import ModelConfig
        from winnow.trainer.model import load_model, resolve

        self.settings = settings
        self.digest = model_digest(settings.model)
        self.resolved = resolve(ModelConfig(attn_implementation="sdpa"), resolve_device(settings.device))
        self.tokenizer = load_tokenizer(settings.model)
        self.template = resolve_template(settings.template, self.tokenizer)
        self.model = load_model(settings.model, ModelConfig(attn_implementation="sdpa"), self.resolved)
        self.model.eval()
        context = int(getattr(self.model.config, "max_position_embeddings", 0) or settings.max_len)
        self.max_len = min(settings.max_len, context)
        self.encoder = Encoder(
            self.tokenizer,
            self.template,
            ShardSettings(template=settings.template, max_len=self.max_len, last_turn_only=True),
        )
        pad = self.tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else (self.tokenizer.eos_token_id or 0))
        variant = f"{self.resolved.dtype}|{self.max_len}"
        self.cache = ScoreCache(
            None if cache_dir is None else cache_file(cache_dir, self.digest, self.template.text, variant)
        ).load()

    def _encode(
        self, conversations: list[dict[str, Any]]
    ) -> tuple[dict[int, tuple[Any, Any]], dict[int, str]]:
        """(index -> (input_ids, labels), index -> drop reason) for the conversations, via the shard Encoder."""
        encoded: dict[int, tuple[Any, Any]] = {}
        dropped: dict[int, str] = {}
        for start in range(0, len(conversations), ENCODE_CHUNK):
            batch = self.encoder.encode(conversations[start : start + ENCODE_CHUNK])
            for row, ids, labels in zip(
                batch.sft["row"], batch.sft["input_ids"], batch.sft["labels"], strict=True
            ):
                encoded[start + row] = (ids, labels)
            for row, reason, _detail in batch.dropped:
                dropped[start + row] = reason
        return encoded, dropped

    def score(
        self, rows: list[dict[str, Any]], progress: Callable[[int, int], None] | None = None
    ) -> ScoreResult:
        from winnow.curation.scores.losses import mean_losses

        n = len(rows)
        result = ScoreResult([None] * n, [None] * n, [None] * n)
        skipped: Counter[str] = Counter()
        todo: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
        for i, row in enumerate(rows):
            pair = scored_pair(row)
            if isinstance(pair, str):
                skipped[pair] += 1
                continue
            key = row_key(pair[0])
            cached = self.cache.get(key)
            if cached is not None:
                self._set(result, i, cached)
                result.from_cache += 1
            else:
                todo.append((i, key, pair[0], pair[1]))
        with_prompt, dropped_with = self._encode([t[2] for t in todo])
        without, dropped_without = self._encode([t[3] for t in todo])
        ready = [j for j in range(len(todo)) if j in with_prompt and j in without]
        for j in range(len(todo)):
            reason = dropped_with.get(j) or dropped_without.get(j)
            if reason is not None:
                skipped[reason] += 1
        sequences = [with_prompt[j] for j in ready] + [without[j] for j in ready]
        report = (lambda done: progress(done, len(sequences))) if progress is not None else None
        losses = mean_losses(
            self.model, sequences, max_tokens=self.settings.max_tokens, pad_id=self.pad_id, progress=report
        )
        for position, j in enumerate(ready):
            i, key = todo[j][0], todo[j][1]
            scores = (losses[position], losses[len(ready) + position])
            self.cache.put(key, scores)
            self._set(result, i, scores)
        result.computed = len(ready)
        result.skipped = dict(skipped.most_common())
        self.cache.save()
        return result

    @staticmethod
    def _set(result: ScoreResult, i: int, scores: tuple[float, float]) -> None:
        with_prompt, without = scores
        result.loss_with_prompt[i] = None if math.isnan(with_prompt) else with_prompt
        result.loss_without_prompt[i] = None if math.isnan(without) else without
        result.ifd[i] = _ratio(with_prompt, without)
