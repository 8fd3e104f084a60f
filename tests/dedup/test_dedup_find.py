"""find_duplicates: exact and near duplicates on en and zh rows, keep policies, whole-cluster drops,
determinism across worker counts and batch sizes, and the spill-to-disk path."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import winnow.curation.dedup.near as near_module
from winnow.curation.dedup.config import DedupConfig, NearConfig
from winnow.curation.dedup.find import find_duplicates
from winnow.curation.record import frame_from_rows

EN = "Write a short story about a brave knight who travels across the kingdom to rescue a dragon from an evil princess"
EN_EDIT = "Write a short story about a brave knight who walks across the kingdom to rescue a dragon from an evil princess."
ZH = "请用三句话解释为什么天空是蓝色的，并举一个日常生活中的例子来说明"
ZH_EDIT = "请用三句话解释为什么天空是蓝色的并举一个日常工作中的例子来说明。"
OTHER = "List five prime numbers greater than one hundred and explain how you checked each of them"


def sft(i: int, instruction: str, reply: str = "r", source: str = "a.jsonl", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"r{i}",
        "source": source,
        "line": i,
        "kind": "sft",
        "messages": [{"role": "user", "content": instruction}, {"role": "assistant", "content": reply}],
        **extra,
    }


def corpus() -> pl.DataFrame:
    return frame_from_rows(
        [
            sft(0, EN, "short"),
            sft(1, EN.upper().replace(" ", "  "), "a much longer reply here"),  # exact after normalization
            sft(2, EN_EDIT, "mid reply"),  # near: one word changed + punctuation
            sft(3, ZH, "好"),
            sft(4, ZH_EDIT, "好的，这是一个更长的回答"),  # near, zh
            sft(5, OTHER, "2, 3, 5"),
        ]
    )


def columns(out: pl.DataFrame) -> list[tuple[Any, ...]]:
    return out.select("id", "dup_cluster_size", "dup_kept_id", "dup_jaccard", "dup_reason").rows()


def test_exact_and_near_duplicates_en_and_zh_keep_longest_response() -> None:
    out, report = find_duplicates(corpus(), DedupConfig(key="instruction_input"), workers=1)
    assert columns(out) == [
        ("r0", 3, "r1", 1.0, "exact_duplicate"),
        ("r1", 3, None, 1.0, None),
        ("r2", 3, "r1", pytest.approx(16 / 22), "near_duplicate"),
        ("r3", 2, "r4", pytest.approx(25 / 33), "near_duplicate"),
        ("r4", 2, None, 1.0, None),
        ("r5", 1, None, None, None),
    ]
    clusters = out["dup_cluster"].to_list()
    assert clusters[0] == clusters[1] == clusters[2] != clusters[3] == clusters[4]
    assert clusters[5] is None
    assert clusters[0].startswith("dup-")
    stats = report.stats
    assert stats["dropped"] == {"exact_duplicate": 1, "near_duplicate": 2}
    assert stats["clusters"] == 2
    assert stats["largest_cluster"] == 3
    assert stats["near"]["shingled_by"] == {"word": 3, "character": 2}  # exact copy r1 is not signed
    assert stats["near"]["bands"] * stats["near"]["rows"] <= 128
    assert set(stats["near"]["s_curve"]) == {"0.5", "0.6", "0.7", "0.8", "0.9", "0.95"}
    assert stats["sample_clusters"][0]["kept_id"] == "r1"
    assert stats["summary"].startswith(
        "exact + MinHash LSH on instruction_input, 6 rows; 128 permutations, 20 bands x 6 rows"
    )
    assert stats["summary"].endswith(
        "2 clusters; keep longest_response; dropped: 1 exact_duplicate, 2 near_duplicate"
    )
    assert [m["id"] for m in stats["sample_clusters"][0]["members"]] == ["r0", "r2"]


def test_exact_only_and_punctuation_blind() -> None:
    frame = frame_from_rows(
        [sft(0, "Hello, world!", "a"), sft(1, "hello world", "b"), sft(2, "HELLO,  WORLD!", "c")]
    )
    plain, _ = find_duplicates(
        frame,
        DedupConfig(key="instruction_input", near=NearConfig(enabled=False), keep="first_seen"),
        workers=1,
    )
    assert plain["dup_reason"].to_list() == [None, None, "exact_duplicate"]
    blind = DedupConfig(
        key="instruction_input", near=NearConfig(enabled=False), keep="first_seen", punctuation_blind=True
    )
    out, _ = find_duplicates(frame, blind, workers=1)
    assert out["dup_reason"].to_list() == [None, "exact_duplicate", "exact_duplicate"]


def _chat(row_id: str, *turns: str) -> dict[str, Any]:
    roles = ["user", "assistant"] * len(turns)
    return {
        "id": row_id,
        "kind": "sft",
        "messages": [{"role": r, "content": t} for r, t in zip(roles, turns, strict=False)],
    }


def test_chats_that_end_on_the_same_words_are_not_duplicates() -> None:
    frame = frame_from_rows(
        [
            _chat("poem", "Write a poem about the sea.", "Waves...", "Thanks!", "You're welcome."),
            _chat("joke", "Tell me a joke about cats.", "Why did...", "Thanks!", "You're welcome."),
            _chat("again", "Write a poem about the sea.", "Waves...", "Thanks!", "Glad you liked it."),
            {"id": "doc1", "kind": "pretrain", "text": "The same document."},
            {"id": "doc2", "kind": "pretrain", "text": "The same document."},
        ]
    )
    out, _ = find_duplicates(
        frame,
        DedupConfig(key="instruction_input", near=NearConfig(enabled=False), keep="first_seen"),
        workers=1,
    )
    # the whole conversation up to the last user turn is the key; a pretrain row's key is its text
    assert out["dup_reason"].to_list() == [None, None, "exact_duplicate", None, "exact_duplicate"]


def test_near_only_reports_copies_as_near() -> None:
    out, _ = find_duplicates(
        corpus(), DedupConfig(key="instruction_input", exact=False, keep="first_seen"), workers=1
    )
    assert out["dup_reason"].to_list() == [
        None,
        "near_duplicate",
        "near_duplicate",
        None,
        "near_duplicate",
        None,
    ]


@pytest.mark.parametrize(
    ("keep", "kept"),
    [("first_seen", ["r0", "r3"]), ("longest_response", ["r1", "r4"]), ("best_quality", ["r2", "r3"])],
)
def test_keep_policies(keep: str, kept: list[str]) -> None:
    frame = corpus().with_columns(quality_score=pl.Series([0.1, 0.2, 0.9, 0.8, 0.3, 0.5]))
    out, report = find_duplicates(frame, DedupConfig(key="instruction_input", keep=keep), workers=1)
    assert (
        out.filter(pl.col("dup_cluster").is_not_null() & pl.col("dup_reason").is_null())["id"].to_list()
        == kept
    )
    assert report.stats["notes"] == []


def test_best_quality_without_column_falls_back_with_a_note() -> None:
    out, report = find_duplicates(
        corpus(), DedupConfig(key="instruction_input", keep="best_quality"), workers=1
    )
    assert out.filter(pl.col("dup_cluster").is_not_null() & pl.col("dup_reason").is_null())[
        "id"
    ].to_list() == ["r1", "r4"]
    assert "no quality_score column" in report.stats["notes"][0]


def test_source_priority_keeps_the_preferred_source() -> None:
    rows = [
        sft(0, EN, "x", "web/raw.jsonl"),
        sft(1, EN, "y", "curated/gold.jsonl"),
        sft(2, EN_EDIT, "z", "other.json"),
    ]
    config = DedupConfig(
        key="instruction_input", keep="source_priority", source_priority=("curated/*", "web/*")
    )
    out, _ = find_duplicates(frame_from_rows(rows), config, workers=1)
    assert columns(out) == [
        ("r0", 3, "r1", 1.0, "exact_duplicate"),
        ("r1", 3, None, 1.0, None),
        ("r2", 3, "r1", pytest.approx(16 / 22), "near_duplicate"),
    ]


def test_drop_whole_cluster() -> None:
    out, report = find_duplicates(
        corpus(), DedupConfig(key="instruction_input", keep="drop_whole_cluster"), workers=1
    )
    assert columns(out) == [
        ("r0", 3, None, None, "near_duplicate"),
        ("r1", 3, None, None, "near_duplicate"),
        ("r2", 3, None, None, "near_duplicate"),
        ("r3", 2, None, None, "near_duplicate"),
        ("r4", 2, None, None, "near_duplicate"),
        ("r5", 1, None, None, None),
    ]
    frame = frame_from_rows([sft(0, "same", "a"), sft(1, "same", "b"), sft(2, "other", "c")])
    copies, _ = find_duplicates(
        frame, DedupConfig(key="instruction_input", keep="drop_whole_cluster"), workers=1
    )
    assert copies["dup_reason"].to_list() == ["exact_duplicate", "exact_duplicate", None]
    assert report.stats["dropped"] == {"near_duplicate": 5}


def test_rows_already_dropped_do_not_compete() -> None:
    frame = corpus().with_columns(
        drop_reason=pl.Series([None, "too_short", None, None, None, None], dtype=pl.String)
    )
    out, _ = find_duplicates(frame, DedupConfig(key="instruction_input"), workers=1)
    assert columns(out)[:3] == [
        ("r0", 2, "r2", pytest.approx(16 / 22), "near_duplicate"),  # r1 (longer reply) is out of the race
        ("r1", None, None, None, None),
        ("r2", 2, None, 1.0, None),
    ]


def _many_rows(n: int) -> pl.DataFrame:
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "omicron",
        "pi",
        "rho",
        "sigma",
    ]
    rows = []
    for i in range(n):
        base = [words[(i * 7 + k * 3) % len(words)] + str((i // 3 + k) % 11) for k in range(14)]
        if i % 3 == 2:
            base[5] = "changed"
        rows.append(sft(i, " ".join(base), "r" * (i % 5)))
    return frame_from_rows(rows)


def test_results_repeat_across_runs_workers_batch_sizes_and_spill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _many_rows(60)
    config = DedupConfig(key="instruction_input")
    first, _ = find_duplicates(frame, config, workers=1)
    assert first["dup_reason"].drop_nulls().len() > 10  # the planted copies are found
    again, _ = find_duplicates(frame, config, workers=1)
    assert again.equals(first)
    tiny = dataclasses.replace(config, near=dataclasses.replace(config.near, batch_size=7))
    monkeypatch.setattr(near_module, "_MIN_ROWS_FOR_POOL", 0)  # force the process pool on a small corpus
    pooled, _ = find_duplicates(frame, tiny, workers=2)
    assert pooled.equals(first)
    spill = tmp_path / "spill"
    spilled, report = find_duplicates(
        frame,
        dataclasses.replace(tiny, near=dataclasses.replace(tiny.near, spill=True)),
        workers=1,
        spill_dir=spill,
    )
    assert spilled.equals(first)
    assert report.stats["near"]["candidate_pairs"] > 0
    assert list(spill.iterdir()) == []  # batch files are removed once the pairs are out


def test_spill_writes_one_parquet_per_batch(tmp_path: Path) -> None:
    from winnow.curation.dedup.near import near_texts
    from winnow.curation.dedup.shingles import ShingleSpec
    from winnow.curation.dedup.signing import SignSpec
    from winnow.curation.dedup.store import BandStore
    from winnow.curation.dedup.verify import ShingleHashes

    texts = near_texts(
        _many_rows(20).select(pl.col("messages").list.first().struct.field("content"))["content"],
        NearConfig(),
    )
    store = BandStore(16, tmp_path)
    near_module.sign_all(
        texts, SignSpec(ShingleSpec(), 64, 1, "affine32", 16, 4), store, batch_size=6, workers=1
    )
    assert [p.name for p in sorted(tmp_path.iterdir())] == [
        f"{kind}-{s:012d}.parquet" for kind in ("shingles", "signatures") for s in (0, 6, 12, 18)
    ]
    assert store.scan().select(pl.len()).collect().item() == 20
    assert pl.read_parquet(store.files[0]).columns[:2] == ["doc", "b0"]
    # shingle hashes read back from disk equal the ones computed from the texts
    docs = np.array([1, 7, 19])
    from_disk = store.shingle_hashes(docs)
    direct = ShingleHashes.of_texts(texts, ShingleSpec())(docs)
    assert np.array_equal(from_disk.offsets, direct[1])
    for i in range(3):
        lo, hi = from_disk.offsets[i], from_disk.offsets[i + 1]
        assert np.array_equal(np.sort(from_disk.hashes[lo:hi]), np.sort(direct[0][lo:hi]))


def test_verification_removes_false_positives() -> None:
    texts = pl.Series([EN, EN_EDIT, OTHER])
    loose = NearConfig(threshold=0.9, bands=64, rows=1, num_perm=64)  # one slot per band: many candidates
    verified = near_module.near_duplicates(texts, loose, workers=1)
    unverified = near_module.near_duplicates(texts, dataclasses.replace(loose, verify=False), workers=1)
    assert verified.candidates >= 1
    assert verified.pairs.height == 0
    assert unverified.candidates == verified.candidates


def test_planted_copies_in_real_zh_and_en_rows_are_found() -> None:
    import json

    from tests.conftest import shared_path

    rows = []
    for name, prefix in (("alpaca_zh_demo.json", "zh"), ("alpaca_en_demo.json", "en")):
        items = json.loads(shared_path("llama_factory_demo", name).read_text("utf-8"))[:40]
        for item in items:
            rows.append(
                sft(len(rows), f"{item['instruction']}\n{item['input']}".strip(), item["output"], prefix)
            )
    zh_copy = rows[3]["messages"][0]["content"] + "。"  # punctuation added
    en_words = rows[45]["messages"][0]["content"].split(" ")
    en_copy = " ".join([*en_words[:2], "please", *en_words[2:]])  # a word inserted
    rows.append(sft(len(rows), zh_copy, rows[3]["messages"][1]["content"], "zh"))
    rows.append(sft(len(rows), en_copy, rows[45]["messages"][1]["content"], "en"))
    out, _ = find_duplicates(
        frame_from_rows(rows), DedupConfig(key="conversation", keep="first_seen"), workers=1
    )
    planted = out.tail(2).select("dup_kept_id", "dup_reason").rows()
    assert planted == [("r3", "near_duplicate"), ("r45", "near_duplicate")]
    assert out["dup_jaccard"][-2] == 1.0  # shingles are punctuation-blind, the exact key is not
    assert 0.7 <= out["dup_jaccard"][-1] < 1.0
    assert out.head(80)["dup_reason"].null_count() == 80  # the originals are kept
