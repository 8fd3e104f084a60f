"""`winnow shard` end to end: shards and manifest agree, every row is accounted for, caching is by content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from transformers import AutoTokenizer

from tests.conftest import shared_path
from winnow.curation.cli.main import main
from winnow.curation.errors import UsageError
from winnow.curation.record import frame_from_rows
from winnow.curation.shard.fingerprint import tokenizer_fingerprint
from winnow.curation.shard.settings import ShardSettings
from winnow.curation.shard.writer import shard_run

ROWS: list[dict[str, Any]] = [
    {
        "id": "r1",
        "kind": "sft",
        "task": "chat",
        "system": "Be brief.",
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "你好"},
            {"role": "assistant", "content": "你好！"},
        ],
    },
    {
        "id": "r2",
        "kind": "sft",
        "task": "qa",
        "messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}],
    },
    {
        "id": "r3",
        "kind": "sft",
        "task": "qa",
        "messages": [
            {"role": "user", "content": "Count"},
            {"role": "assistant", "content": " ".join(["x."] * 150)},
        ],
    },
    {"id": "r4", "kind": "sft", "task": "qa", "messages": [{"role": "user", "content": "unanswered"}]},
    {"id": "r5", "kind": "pretrain", "task": "web", "text": "Plain text for pretraining."},
    {
        "id": "r6",
        "kind": "preference",
        "task": "pref",
        "messages": [{"role": "user", "content": "Pick"}],
        "chosen": "Good",
        "rejected": "Bad",
    },
    {
        "id": "r7",
        "kind": "sft",
        "task": "qa",
        "messages": [
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."},
        ],
    },
]
SPLITS = ["train", "train", "train", "train", "train", "train", "val"]
REPEATS = [2, 1, 1, 1, 1, 1, 1]


def _run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    frame = frame_from_rows(ROWS).with_columns(
        pl.Series("split", SPLITS), pl.Series("repeats", REPEATS, dtype=pl.Int64)
    )
    frame.write_parquet(run / "kept.parquet")
    return run


def _copy_tokenizer(name: str, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(shared_path("tokenizers", name), dest)
    return dest


def _shard(run: Path, tok: Path, out: Path, **options: Any) -> Any:
    return shard_run(run, tok, out, ShardSettings(**{"max_len": 128, **options}), workers=1)


def test_manifest_matches_shards_and_every_row_is_accounted_for(tmp_path: Path) -> None:
    run, out = _run_dir(tmp_path), tmp_path / "shards"
    result = _shard(run, shared_path("tokenizers", "llama3_1"), out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert result.manifest == manifest
    assert not result.reused
    assert manifest["version"] == 1
    assert manifest["max_len"] == 128
    assert manifest["template"]["name"] == "auto"
    assert manifest["truncation"] == {"policy": "drop", "truncated_rows": 0}
    assert set(manifest["splits"]) == {"train", "val"}
    # every conversation (r4 has no reply; r6's two) is placed by the learned layout, none by prefix renders
    assert manifest["masking"]["located"] == {
        "layout": {
            "lead": "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            "decor_mid": "",
            "decor_last": "",
            "close": "<|eot_id|>",
            "anchor_is_lead": True,
            "calls": False,
        },
        "by_prefixes": 0,
    }

    shard_ids: list[str] = []
    for split, entry in manifest["splits"].items():
        totals = {"rows": 0, "tokens": 0, "trainable_tokens": 0}
        for bucket in entry["buckets"]:
            frame = pl.read_parquet(out / bucket["file"])
            assert bucket["file"].startswith(f"{split}/")
            assert dict(frame.schema) == {
                "input_ids": pl.List(pl.Int32),
                "labels": pl.List(pl.Int32),
                "length": pl.Int32,
                "id": pl.String,
                "task": pl.String,
            }
            lengths = frame["length"].to_list()
            assert lengths == frame["input_ids"].list.len().to_list()
            assert all(bucket["min_len"] <= n <= bucket["max_len"] for n in lengths)
            trainable = sum(sum(1 for v in labels if v != -100) for labels in frame["labels"].to_list())
            assert (bucket["rows"], bucket["tokens"], bucket["trainable_tokens"]) == (
                frame.height,
                sum(lengths),
                trainable,
            )
            for key in totals:
                totals[key] += bucket[key]
            shard_ids += frame["id"].to_list()
        assert totals == {k: entry[k] for k in totals}

    assert sorted(shard_ids) == ["r1", "r1", "r2", "r5", "r7"]  # r1 repeated twice in train
    preference = pl.read_parquet(out / manifest["preference"]["train"]["file"])
    assert preference["id"].to_list() == ["r6"]
    dropped = pl.read_parquet(out / "dropped.parquet")
    assert dropped.select("id", "reason").rows() == [("r3", "too_long"), ("r4", "no_trainable_tokens")]
    assert manifest["dropped"]["by_reason"] == {"no_trainable_tokens": 1, "too_long": 1}
    assert manifest["rows_in"] == 7
    assert set(shard_ids) | {"r6"} | set(dropped["id"]) == {r["id"] for r in ROWS}
    assert manifest["padding"]["bucketed"]["efficiency"] >= manifest["padding"]["random"]["efficiency"]

    saved = AutoTokenizer.from_pretrained(str(out / "tokenizer"))
    assert saved.chat_template == manifest["template"]["text"]
    assert tokenizer_fingerprint(saved) == manifest["tokenizer_fingerprint"]


def test_reshard_is_a_noop_and_changes_reshard(tmp_path: Path) -> None:
    run, out = _run_dir(tmp_path), tmp_path / "shards"
    tok = _copy_tokenizer("llama3_1", tmp_path / "tok")
    first = _shard(run, tok, out)
    again = _shard(run, tok, out)
    assert again.reused
    assert again.manifest["created"] == first.manifest["created"]

    changed = _shard(run, tok, out, max_len=256)  # a setting changed
    assert not changed.reused
    assert changed.manifest["cache_key"] != first.manifest["cache_key"]

    # the same path now holds another tokenizer: the fingerprint changes and the shards are rebuilt
    _copy_tokenizer("qwen3", tok)
    swapped = _shard(run, tok, out, max_len=256)
    assert not swapped.reused
    assert swapped.manifest["tokenizer_fingerprint"] != changed.manifest["tokenizer_fingerprint"]
    assert len(list((out / "train").iterdir())) == len(swapped.manifest["splits"]["train"]["buckets"])

    # a subtler change at the same path: only the chat template in tokenizer_config.json
    config_path = tok / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config["chat_template"] = config["chat_template"].replace("You may call", "You can call")
    config_path.write_text(json.dumps(config))
    edited = _shard(run, tok, out, max_len=256)
    assert not edited.reused
    assert edited.manifest["tokenizer_fingerprint"] != swapped.manifest["tokenizer_fingerprint"]


def test_two_workers_give_the_same_shards(tmp_path: Path) -> None:
    run = _run_dir(tmp_path)
    tok = shared_path("tokenizers", "qwen3")
    one = shard_run(run, tok, tmp_path / "one", ShardSettings(max_len=128), workers=1)
    two = shard_run(run, tok, tmp_path / "two", ShardSettings(max_len=128), workers=2)
    assert one.manifest["splits"] == two.manifest["splits"]
    for bucket in one.manifest["splits"]["train"]["buckets"]:
        left = pl.read_parquet(tmp_path / "one" / bucket["file"])
        right = pl.read_parquet(tmp_path / "two" / bucket["file"])
        assert left.equals(right)


def test_truncate_and_configured_buckets(tmp_path: Path) -> None:
    run, out = _run_dir(tmp_path), tmp_path / "shards"
    result = _shard(run, shared_path("tokenizers", "llama3_1"), out, truncate=True, buckets=(16, 64))
    manifest = result.manifest
    assert manifest["bucket_bounds"] == [16, 64, 128]
    assert manifest["truncation"] == {"policy": "truncate_last_response", "truncated_rows": 1}
    assert manifest["dropped"]["by_reason"] == {"no_trainable_tokens": 1}
    longest = manifest["splits"]["train"]["buckets"][-1]
    assert (longest["min_len"], longest["max_len"]) == (65, 128)
    frame = pl.read_parquet(out / longest["file"])
    # cut at the last sentence end ("x.") that fits 128 tokens
    assert frame.filter(pl.col("id") == "r3")["length"].to_list() in ([127], [128])


def test_refuses_to_replace_a_foreign_folder(tmp_path: Path) -> None:
    run, out = _run_dir(tmp_path), tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a winnow shard folder"):
        _shard(run, shared_path("tokenizers", "llama3_1"), out)
    assert (out / "notes.txt").read_text() == "mine"


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sentencepiece")  # the Llama 2 tokenizer is a SentencePiece model (+ protobuf)
    pytest.importorskip("google.protobuf")
    run, out = _run_dir(tmp_path), tmp_path / "shards"
    tok = str(shared_path("tokenizers", "llama2_sentencepiece"))
    args = [
        "shard",
        str(run),
        "--tokenizer",
        tok,
        "--template",
        "plain",
        "--max-len",
        "512",
        "--buckets",
        "64,128",
        "--workers",
        "1",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["template"]["name"] == "plain"
    assert manifest["bucket_bounds"] == [64, 128, 512]
    assert manifest["dropped"]["by_reason"] == {"no_trainable_tokens": 1}
    printed = " ".join(capsys.readouterr().err.split())  # rich wraps lines at the console width
    assert "replies located by the template's reply layout; 0 conversation(s) by prefix renderings" in printed
    # the bar over the rows stays once done (issue 20: no silent minutes; it was transient)
    assert "tokenizing ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 7/7" in printed
    assert main([*args[:-2], "--template", "nonsense", "-o", str(out)]) == 2


def test_masking_error_from_a_worker_stops_the_run(tmp_path: Path) -> None:
    from winnow.curation.shard.spans import TemplateMaskingError

    run, out = _run_dir(tmp_path), tmp_path / "shards"
    tok = _copy_tokenizer("llama3_1", tmp_path / "tok")
    config = json.loads((tok / "tokenizer_config.json").read_text())
    config["chat_template"] = (
        "{{ messages | length }}{% for m in messages %}{{ m.content + eos_token }}{% endfor %}"
    )
    (tok / "tokenizer_config.json").write_text(json.dumps(config))
    with pytest.raises(TemplateMaskingError, match="chat template 'auto' cannot locate"):
        shard_run(run, tok, out, ShardSettings(max_len=128), workers=2)
    assert not out.exists()
    assert list(tmp_path.glob(".shards.tmp-*")) == []
