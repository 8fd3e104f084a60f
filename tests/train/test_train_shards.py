"""train/shards.py: the shard contract is read exactly, and a foreign tokenizer is refused."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from tests.train.train_shardkit import (
    alpaca_pairs,
    encode,
    stories_dir,
    tokenizer_with_template,
    write_shards,
)
from winnow.curation.errors import WinnowError
from winnow.trainer.config import load_config
from winnow.trainer.shards import load_shard_tokenizer, load_split, read_manifest


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_shards(
        tmp_path_factory.mktemp("s"), {"train": alpaca_pairs(30), "val": alpaca_pairs(5, 700)}
    )


def test_rows_come_back_exactly_as_written(shards: Path) -> None:
    manifest = read_manifest(shards)
    split = load_split(shards, manifest, "train")
    tokenizer = tokenizer_with_template()
    expected = {f"train-{i}": encode(tokenizer, p, r, 128) for i, (p, r) in enumerate(alpaca_pairs(30))}
    assert len(split) == 30
    for index, row_id in enumerate(split.ids):
        ids, labels = split.row(index)
        assert (ids.tolist(), labels.tolist()) == expected[row_id]
    assert split.trainable_tokens == manifest["splits"]["train"]["trainable_tokens"]
    assert split.bucket.tolist() == sorted(split.bucket.tolist())  # buckets in manifest order


def test_the_shards_tokenizer_must_match_the_manifest(shards: Path, tmp_path: Path) -> None:
    manifest = read_manifest(shards)
    assert load_shard_tokenizer(shards, manifest).chat_template == tokenizer_with_template().chat_template
    forged = dict(manifest, tokenizer_fingerprint="0" * 32)
    with pytest.raises(WinnowError, match="differs from the shards' 0000"):
        load_shard_tokenizer(shards, forged)


def test_a_model_whose_tokenizer_differs_is_refused_before_training(tmp_path: Path) -> None:
    from winnow.trainer.loop import train

    other = tokenizer_with_template()
    other.add_tokens(["<extra_token>"])
    shards = write_shards(tmp_path / "s", {"train": alpaca_pairs(4)}, tokenizer=other)
    with pytest.raises(WinnowError, match=r"the model's tokenizer\): tokenizer fingerprint"):
        train(shards, str(stories_dir()), load_config(), tmp_path / "o", console=Console(file=io.StringIO()))


def test_missing_split_and_missing_columns_say_where(shards: Path, tmp_path: Path) -> None:
    manifest = read_manifest(shards)
    with pytest.raises(WinnowError, match="split 'test' is not in the shards \\(have: train, val\\)"):
        load_split(shards, manifest, "test")
    broken = tmp_path / "b"
    write_shards(broken, {"train": alpaca_pairs(3)})
    manifest = read_manifest(broken)
    bucket = broken / manifest["splits"]["train"]["buckets"][0]["file"]
    pl.read_parquet(bucket).drop("labels").write_parquet(bucket)
    with pytest.raises(WinnowError, match=r"le\d+\.parquet: bucket file lacks columns \['labels'\]"):
        load_split(broken, manifest, "train")


def test_not_a_shard_folder(tmp_path: Path) -> None:
    with pytest.raises(WinnowError, match=r"no manifest\.json"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"version": 2}))
    with pytest.raises(WinnowError, match="unsupported shard version 2"):
        read_manifest(tmp_path)


def test_shard_accounting_reads_drops_and_truncations_from_the_manifest(shards: Path) -> None:
    from winnow.trainer.shards import describe_accounting, shard_accounting

    manifest = {
        "rows_in": 10,
        "dropped": {"file": "dropped.parquet", "rows": 3, "by_reason": {"too_long": 2, "template_error": 1}},
        "truncation": {"policy": "truncate_last_response", "truncated_rows": 4},
    }
    accounting = shard_accounting(manifest)
    assert accounting == {
        "rows_in": 10,
        "dropped_rows": 3,
        "dropped_by_reason": {"too_long": 2, "template_error": 1},
        "truncated_rows": 4,
        "truncation_policy": "truncate_last_response",
    }
    assert describe_accounting(accounting) == (
        "dropped 3 of 10 rows (template_error 1, too_long 2); truncated 4"
    )
    # shards that do not record it (this helper's manifest): unknown, never a silent zero
    unknown = shard_accounting(read_manifest(shards))
    assert unknown["dropped_rows"] is None
    assert unknown["truncated_rows"] is None
    assert describe_accounting(unknown) == "dropped: not recorded; truncated: not recorded"
