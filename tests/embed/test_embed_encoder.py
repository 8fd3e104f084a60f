"""Embeddings from the real all-MiniLM-L6-v2 folder equal a plain transformers mean-pool, and are cached."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import shared_path

torch = pytest.importorskip("torch")


def _texts(n: int = 48) -> list[str]:
    """Real MRPC sentences of every length, plus a repeat and one text beyond max_seq_length (truncated)."""
    path = shared_path("mrpc", "mrpc_dev.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:n]]
    texts = [row["text1"] for row in rows]
    return [*texts, texts[0], " ".join(texts[:20])]


def _plain_mean_pool(folder: Path, texts: list[str]) -> list[list[float]]:
    """What the model card shows: one padded batch, mean over the attention mask, L2-normalized."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModel.from_pretrained(str(folder)).eval()
    batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1).tolist()


def test_pooling_is_read_from_the_folder(tmp_path: Path) -> None:
    from winnow.curation.embed.pooling import Pooling, read_pooling

    folder = shared_path("models", "all-MiniLM-L6-v2")
    assert read_pooling(folder) == Pooling(mode="mean", normalize=True, max_seq_length=256)
    assert read_pooling(tmp_path) == Pooling()  # a plain HF folder: mean, no normalization
    (tmp_path / "modules.json").write_text(
        json.dumps([{"idx": 1, "name": "1", "path": "p", "type": "sentence_transformers.models.Pooling"}])
    )
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    assert read_pooling(tmp_path) == Pooling(mode="cls", normalize=False, max_seq_length=None)


def test_vectors_equal_a_plain_transformers_mean_pool(tmp_path: Path) -> None:
    from winnow.curation.embed.embed import Embedder
    from winnow.curation.embed.settings import EncoderSettings

    folder = shared_path("models", "all-MiniLM-L6-v2")
    texts = _texts()
    embedder = Embedder(EncoderSettings(model=str(folder), max_tokens=512, max_rows=8), tmp_path / "cache")
    vectors = embedder.embed(texts)
    assert vectors.shape == (len(texts), 384)
    expected = _plain_mean_pool(folder, texts)
    assert vectors.tolist() == [pytest.approx(row, abs=1e-5) for row in expected]
    assert (embedder.stats.distinct, embedder.stats.encoded, embedder.stats.from_cache) == (49, 49, 0)


def test_cache_hit_on_rerun_and_missed_when_the_encoder_changes(tmp_path: Path) -> None:
    from winnow.curation.embed.embed import Embedder
    from winnow.curation.embed.settings import EncoderSettings

    folder = tmp_path / "encoder"
    shutil.copytree(shared_path("models", "all-MiniLM-L6-v2"), folder)
    texts = _texts(10)
    cache = tmp_path / "cache"
    first = Embedder(EncoderSettings(model=str(folder)), cache)
    vectors = first.embed(texts)
    again = Embedder(EncoderSettings(model=str(folder)), cache)
    assert (again.embed(texts) == vectors).all()
    assert (again.stats.encoded, again.stats.from_cache) == (0, 11)
    config = folder / "config.json"
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = Embedder(EncoderSettings(model=str(folder)), cache)
    changed.embed(texts)
    assert (changed.stats.encoded, changed.stats.from_cache) == (11, 0)


def test_a_pooling_mode_not_computed_here_is_refused(tmp_path: Path) -> None:
    from winnow.curation.embed.pooling import read_pooling
    from winnow.curation.errors import UsageError

    (tmp_path / "modules.json").write_text(
        json.dumps([{"idx": 1, "name": "1", "path": "p", "type": "sentence_transformers.models.Pooling"}])
    )
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "config.json").write_text(json.dumps({"pooling_mode_weightedmean_tokens": True}))
    with pytest.raises(UsageError, match=r"must turn on exactly one pooling mode, found \['weightedmean'\]"):
        read_pooling(tmp_path)
