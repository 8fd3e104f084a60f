"""The dedup memo (winnow.curation.dedup.memo, replayed by winnow.curation.dedup.replay): a run that reuses
earlier signatures and pair measures gives exactly what a run without them gives, and computes only what
is new."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.conftest import shared_path
from tests.dedup.test_dedup_find import EN, EN_EDIT, OTHER, ZH, ZH_EDIT, sft
from winnow.curation.dedup import near
from winnow.curation.dedup.config import DedupConfig, NearConfig
from winnow.curation.dedup.find import DedupReport, competing_rows, find_duplicates
from winnow.curation.dedup.memo import MAX_SEGMENTS, DedupMemo, memo_key
from winnow.curation.dedup.parts import PartsFilter
from winnow.curation.dedup.shingles import ShingleSpec
from winnow.curation.ledger import with_ledger
from winnow.curation.record import frame_from_rows


def corpus() -> pl.DataFrame:
    """Near and exact copies in both scripts, several answers to one prompt, and a row alone."""
    return with_ledger(
        frame_from_rows(
            [
                sft(0, EN, "a short reply about the knight"),
                sft(1, EN_EDIT, "a short reply about the knight"),
                sft(2, EN.upper(), "A SHORT REPLY ABOUT THE KNIGHT"),  # exact copy after normalization
                sft(3, EN, "an entirely different answer with other words"),
                sft(4, ZH, "天空是蓝色的因为瑞利散射"),
                sft(5, ZH_EDIT, "天空是蓝色的因为瑞利散射。"),
                sft(6, OTHER, "2, 3, 5"),
                sft(7, EN_EDIT + " Please.", "a short reply about the knight!"),
            ]
        )
    )


def dropping(frame: pl.DataFrame, lines: set[int]) -> pl.DataFrame:
    """The frame with the rows at these lines dropped by an earlier stage (a check)."""
    return frame.with_columns(
        pl.when(pl.col("line").is_in(sorted(lines)))
        .then(pl.lit("some_check"))
        .otherwise(None)
        .alias("drop_reason")
    )


def run(frame: pl.DataFrame, config: DedupConfig, cache: Path | None) -> tuple[pl.DataFrame, DedupReport]:
    memo = None if cache is None else DedupMemo.open(cache, config)
    out, report = find_duplicates(frame, config, workers=1, memo=memo)
    if memo is not None:
        memo.save()
    return out, report


def assert_same(
    with_memo: tuple[pl.DataFrame, DedupReport], without: tuple[pl.DataFrame, DedupReport]
) -> None:
    assert_frame_equal(with_memo[0], without[0])
    assert with_memo[1].stats == without[1].stats
    if without[1].pairs is None:
        assert with_memo[1].pairs is None
    else:
        assert with_memo[1].pairs is not None
        assert_frame_equal(with_memo[1].pairs, without[1].pairs)


CONFIGS = {
    "conversation": DedupConfig(),
    "prompt": DedupConfig(key="instruction_input", keep="first_seen"),
    "pairs": DedupConfig(near=NearConfig(report_pairs=True, threshold=0.5)),
    "containment": DedupConfig(
        key="instruction_input", near=NearConfig(measure="containment", threshold=0.6)
    ),
    "spill": DedupConfig(near=NearConfig(spill=True, threshold=0.5)),  # signatures and shingles on disk
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_runs_with_the_memo_equal_runs_without_it(name: str, tmp_path: Path) -> None:
    config = CONFIGS[name]
    frame = corpus()
    first = run(frame, config, tmp_path)
    assert_same(first, run(frame, config, None))
    assert first[1].memo is not None
    assert first[1].memo["signatures_reused"] == 0
    # rows dropped by a check: other rows become the kept copies, pairs skipped before must be measured
    for lines in ({0}, {1, 4}, {2, 3, 6}, set()):
        changed = dropping(frame, lines)
        again = run(changed, config, tmp_path)
        assert_same(again, run(changed, config, None))
        assert again[1].memo is not None
        # every competing document (one per exact key) was signed by an earlier run
        documents = competing_rows(changed, config.key, config.punctuation_blind)["__key"].n_unique()
        assert again[1].memo["signatures_reused"] == documents


def test_a_second_identical_run_measures_nothing(tmp_path: Path) -> None:
    config = DedupConfig()
    first = run(corpus(), config, tmp_path)
    second = run(corpus(), config, tmp_path)
    assert first[1].memo == {
        "keys_reused": 0,
        "signatures_reused": 0,
        "pairs_measured": 5,
        "parts_judged": 3,
        "shingle_sets_built": 6,
        "docs_bucketed": 7,
    }
    # the rows' content is the same: their key hashes come from the stage cache, nothing is normalized
    assert second[1].memo == {
        "keys_reused": 1,
        "signatures_reused": 7,
        "pairs_measured": 0,
        "parts_judged": 0,
        "shingle_sets_built": 0,  # nothing to measure: no document is shingled again
        "docs_bucketed": 0,  # the same documents: the stored candidates are this run's
    }
    assert_same(second, first)


def test_a_threshold_change_reuses_signatures_and_measures(tmp_path: Path) -> None:
    frame = corpus()
    run(frame, DedupConfig(), tmp_path)
    for threshold in (0.5, 0.9, 0.3):
        config = DedupConfig(near=NearConfig(threshold=threshold))
        again = run(frame, config, tmp_path)
        assert_same(again, run(frame, config, None))
        assert again[1].memo is not None
        assert again[1].memo["signatures_reused"] == 7  # bands change with the threshold; signatures do not


def test_parts_similarities_keep_the_lowest_part_and_whether_every_part_was_compared() -> None:
    prompts = pl.Series(["alpha beta gamma delta", "alpha beta gamma delta", "one two three four"])
    replies = pl.Series(["red green blue yellow", "red green blue purple", "red green blue yellow"])
    parts = PartsFilter((prompts, replies), NearConfig(threshold=0.3), ShingleSpec())
    a, b = np.array([0, 0]), np.array([1, 2])
    lowest, exact = parts.similarities(a, b)
    # 0-1: equal prompts (1.0), replies share 1 of 3 word 3-grams; 0-2: prompts share none, replies not compared
    assert lowest.tolist() == [pytest.approx(1 / 3), 0.0]
    assert exact.tolist() == [True, False]
    assert parts(a, b).tolist() == [True, False]
    strict = PartsFilter((prompts, replies), NearConfig(threshold=0.5), ShingleSpec())
    assert strict(a, b).tolist() == [False, False]


def test_the_key_names_what_stored_values_depend_on() -> None:
    base = DedupConfig()
    same = [
        dataclasses.replace(base, near=dataclasses.replace(base.near, threshold=0.5, bands=8, rows=4)),
        dataclasses.replace(base, keep="first_seen", action="flag"),
    ]
    other = [
        dataclasses.replace(base, near=dataclasses.replace(base.near, num_perm=64)),
        dataclasses.replace(base, near=dataclasses.replace(base.near, word_ngram=2)),
        dataclasses.replace(base, near=dataclasses.replace(base.near, measure="containment")),
        dataclasses.replace(base, key="instruction"),
    ]
    assert {memo_key(c) for c in same} == {memo_key(base)}
    assert len({memo_key(c) for c in [base, *other]}) == 1 + len(other)


def test_segments_are_merged_and_a_damaged_one_answers_nothing(tmp_path: Path) -> None:
    config = DedupConfig()
    frame = corpus()
    for line in range(MAX_SEGMENTS + 2):  # each run measures a pair the others did not need
        run(dropping(frame, {line % 8, (line + 3) % 8}), config, tmp_path)
    folder = tmp_path / "stages" / "dedup-memo" / memo_key(config)
    assert len(list(folder.glob("docs-*.parquet"))) <= MAX_SEGMENTS
    assert len(list(folder.glob("pairs-*.parquet"))) <= MAX_SEGMENTS
    for segment in folder.glob("*.parquet"):
        segment.write_bytes(b"not parquet")
    damaged = run(frame, config, tmp_path)
    assert damaged[1].memo is not None
    assert damaged[1].memo["signatures_reused"] == 0
    assert_same(damaged, run(frame, config, None))


def alpaca_with_near_copies() -> pl.DataFrame:
    """600 real Alpaca rows and near copies of the first 200 (a word appended to the instruction)."""
    data = json.loads(shared_path("llama_factory_demo", "alpaca_en_demo.json").read_text(encoding="utf-8"))[
        :600
    ]
    rows = [sft(i, r["instruction"] + "\n" + r["input"], r["output"]) for i, r in enumerate(data)]
    rows += [
        sft(600 + i, r["instruction"] + " now\n" + r["input"], r["output"]) for i, r in enumerate(data[:200])
    ]
    return with_ledger(frame_from_rows(rows))


def test_real_rows_after_a_drop_rule_and_a_threshold_change(tmp_path: Path) -> None:
    """600 real Alpaca rows and near copies of 200 (a word appended): the re-runs equal runs without the
    memo and measure a small share of the cold run's pairs."""
    frame = alpaca_with_near_copies()
    config = DedupConfig()
    cold = run(frame, config, tmp_path)
    assert cold[1].stats["dropped"] == {"exact_duplicate": 5, "near_duplicate": 165}
    assert cold[1].memo is not None
    changed = dropping(frame, set(range(0, 800, 3)))  # a third of the rows dropped by a check
    again = run(changed, config, tmp_path)
    assert_same(again, run(changed, config, None))
    assert again[1].memo is not None
    assert again[1].memo["pairs_measured"] < cold[1].memo["pairs_measured"] / 4
    looser = DedupConfig(near=NearConfig(threshold=0.6))
    third = run(changed, looser, tmp_path)
    assert_same(third, run(changed, looser, None))


def test_big_clusters_re_run_without_shingling_what_the_loop_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 real rows, each with 9 near copies (a word appended to the reply), verified 40 candidates a step:
    most candidate pairs are never measured, their documents connected before the loop reaches them. A
    re-run (the same rows, then a few dropped by a check) shingles only what it measures, not the
    documents of every candidate pair the memo does not hold (before: all of them, 200 sets)."""
    monkeypatch.setattr(near, "VERIFY_CHUNK", 40)
    data = json.loads(shared_path("llama_factory_demo", "alpaca_en_demo.json").read_text(encoding="utf-8"))
    data = [r for r in data if len(r["output"]) > 400][:20]
    words = ("", " Now.", " Please.", " Today.", " Here.", " Again.", " Too.", " Then.", " So.", " Yes.")
    rows = [
        sft(20 * k + i, f"{r['instruction']}\n{r['input']}", r["output"] + word)
        for k, word in enumerate(words)
        for i, r in enumerate(data)
    ]
    frame = with_ledger(frame_from_rows(rows))
    config = DedupConfig()
    cold = run(frame, config, tmp_path)
    assert cold[1].stats["dropped"] == {"near_duplicate": 180}
    assert cold[1].memo is not None
    assert cold[1].memo["shingle_sets_built"] == 200
    same = run(frame, config, tmp_path)
    assert_same(same, cold)
    assert same[1].memo is not None
    assert (same[1].memo["pairs_measured"], same[1].memo["shingle_sets_built"]) == (0, 0)
    changed = dropping(frame, {20, 41, 62})  # a copy of three rows dropped by a check
    again = run(changed, config, tmp_path)
    assert_same(again, run(changed, config, None))
    assert again[1].memo is not None
    assert (again[1].memo["pairs_measured"], again[1].memo["shingle_sets_built"]) == (7, 8)
