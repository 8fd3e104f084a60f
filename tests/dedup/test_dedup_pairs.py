"""near.report_pairs: every duplicate pair of rows (all pairs of every LSH bucket, each verified), on en and
zh rows, against a brute-force reference; the bucket enumeration; the stage's dup_pairs.parquet."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.dedup.test_dedup_find import sft
from winnow.curation.dedup.candidates import all_bucket_pairs, candidate_pairs, distinct_codes
from winnow.curation.dedup.config import DecontamConfig, DedupConfig, NearConfig
from winnow.curation.dedup.decontam import find_contamination
from winnow.curation.dedup.find import find_duplicates
from winnow.curation.dedup.minhash import estimated_jaccard
from winnow.curation.dedup.near import estimated_pairs, near_texts, shingle_spec, sign_all
from winnow.curation.dedup.section import parse_dedup
from winnow.curation.dedup.shingles import prepared, python_shingles
from winnow.curation.dedup.signing import SignSpec
from winnow.curation.dedup.stage import PAIRS_FILE, dedup_stage
from winnow.curation.dedup.store import BandStore
from winnow.curation.ledger import with_ledger
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems
from winnow.curation.stages import StageContext

EN = "Write a short story about a brave knight who travels across the kingdom to rescue a dragon from an evil princess"
EN_EDIT = "Write a short story about a brave knight who walks across the kingdom to rescue a dragon from an evil princess."
ZH = "请用三句话解释为什么天空是蓝色的，并举一个日常生活中的例子来说明"
ZH_EDIT = "请用三句话解释为什么天空是蓝色的并举一个日常工作中的例子来说明。"
OTHER = "List five prime numbers greater than one hundred and explain how you checked each of them"
# one template, one word changed per row: every pair is a near duplicate (J = 11/17 = 0.647 for each)
TEMPLATE = "Translate the following sentence into French and explain the grammar of the {} in detail please"
FILLERS = ["verb", "noun", "subject", "object", "clause", "tense", "article", "adverb"]

PAIRS_ON = NearConfig(report_pairs=True)


def corpus() -> pl.DataFrame:
    texts = [EN, EN.upper().replace(" ", "  "), EN_EDIT, ZH, ZH_EDIT, OTHER]
    return frame_from_rows([sft(i, t, "x" * i) for i, t in enumerate(texts)])


def brute_force(texts: list[str], threshold: float) -> dict[tuple[int, int], float]:
    """Every pair with exact Jaccard >= threshold, from the plain-Python shingle sets."""
    config = NearConfig()
    prepped = near_texts(pl.Series(texts), config)
    flags = prepared(prepped, shingle_spec(config))["is_cjk"].to_list()
    sets = [python_shingles(t or "", c, shingle_spec(config)) for t, c in zip(prepped, flags, strict=True)]
    found = {}
    for i, j in itertools.combinations(range(len(texts)), 2):
        jaccard = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
        if jaccard >= threshold:
            found[(i, j)] = jaccard
    return found


def test_every_pair_of_rows_en_and_zh_with_exact_copies() -> None:
    out, report = find_duplicates(corpus(), DedupConfig(key="instruction_input", near=PAIRS_ON), workers=1)
    assert report.pairs is not None
    assert report.pairs.rows() == [
        ("r0", "r1", 1.0, True),  # same normalized key
        ("r0", "r2", pytest.approx(16 / 22), False),
        ("r1", "r2", pytest.approx(16 / 22), False),  # r1 stands in r0's exact group: same shingles
        ("r3", "r4", pytest.approx(25 / 33), False),
    ]
    assert report.stats["pairs_reported"] == 4
    # clusters and reasons are those of the default mode
    default, plain = find_duplicates(corpus(), DedupConfig(key="instruction_input"), workers=1)
    assert out.equals(default)
    assert plain.pairs is None
    assert "pairs_reported" not in plain.stats


def test_big_bucket_gives_every_pair_not_a_star_and_chain() -> None:
    texts = [TEMPLATE.format(f) for f in FILLERS]
    frame = frame_from_rows([sft(i, t) for i, t in enumerate(texts)])
    truth = brute_force(texts, 0.6)
    assert truth == {pair: pytest.approx(11 / 17) for pair in itertools.combinations(range(8), 2)}
    # 4 bands of 1 row: P(candidate) 0.98 at J = 0.647; buckets of 3+ give a star + chain. The counts below
    # are those of SHA-1 shingle hashes (which buckets form depends on the hash; the test is about buckets)
    small = NearConfig(threshold=0.6, bands=4, rows=1, max_bucket_pairs=2, shingle_hash="sha1")
    _, default = find_duplicates(frame, DedupConfig(key="instruction_input", near=small), workers=1)
    # star + chain in the big buckets: 17 of the 28 pairs become candidates (all verified and kept)
    assert default.stats["near"]["duplicate_pairs"] == 17
    config = DedupConfig(key="instruction_input", near=dataclasses.replace(small, report_pairs=True))
    out, report = find_duplicates(frame, config, workers=1)
    assert report.pairs is not None
    got = {(int(a[1:]), int(b[1:])): j for a, b, j, _ in report.pairs.rows()}
    assert got == pytest.approx(truth)
    assert set(out["dup_cluster_size"].to_list()) == {8}


def reference_pairs(keys: dict[str, np.ndarray], max_bucket_pairs: int | None) -> set[tuple[int, int]]:
    """Candidate pairs in plain Python: all pairs of a bucket, or a star from its first doc + a chain."""
    found = set()
    for band in keys.values():
        buckets: dict[int, list[int]] = {}
        for doc, key in enumerate(band.tolist()):
            buckets.setdefault(key, []).append(doc)
        for docs in buckets.values():
            if max_bucket_pairs is None or len(docs) <= max_bucket_pairs:
                found |= set(itertools.combinations(docs, 2))
            else:
                found |= {(docs[0], d) for d in docs[1:]} | set(itertools.pairwise(docs[1:]))
    return found


@pytest.mark.parametrize("max_bucket_pairs", [None, 1, 12, 40])
def test_bucket_pairs_equal_a_python_reference(max_bucket_pairs: int | None) -> None:
    rng = np.random.default_rng(3)
    n = 400
    keys = {f"b{i}": rng.integers(0, 10 + 10 * i, n).astype(np.uint64) for i in range(4)}
    bands = pl.DataFrame({"doc": np.arange(n, dtype=np.uint32), **keys}).lazy()
    found = candidate_pairs(bands, 4, max_bucket_pairs)
    pairs = list(zip(found["a"].to_list(), found["b"].to_list(), strict=True))
    assert pairs == sorted(reference_pairs(keys, max_bucket_pairs))
    if max_bucket_pairs is None:
        assert found.equals(all_bucket_pairs(bands, 4))
    groups = (np.arange(n) % 2).astype(np.int8)
    across = candidate_pairs(bands, 4, max_bucket_pairs, groups)
    mixed = groups[found["a"].to_numpy()] != groups[found["b"].to_numpy()]
    assert 0 < across.height < found.height
    assert across.equals(found.filter(pl.Series(mixed)))


@pytest.mark.parametrize("parts", [1, 3, 7])
def test_distinct_codes_merged_by_ranges_equal_one_sort(parts: int) -> None:
    rng = np.random.default_rng(5)
    docs = [rng.integers(0, 50, 300).astype(np.uint64) for _ in range(4)] + [np.array([2**32 - 1], np.uint64)]
    codes = [np.sort((d << np.uint64(32)) | rng.integers(0, 9, len(d)).astype(np.uint64)) for d in docs]
    expected = np.unique(np.concatenate(codes))
    assert np.array_equal(distinct_codes([*codes, np.zeros(0, np.uint64)], parts), expected)
    assert len(distinct_codes([], parts)) == 0


def test_signature_estimates_in_chunks_equal_one_pass() -> None:
    texts = near_texts(
        pl.Series([TEMPLATE.format(f) for f in FILLERS] + [EN, EN_EDIT, ZH, ZH_EDIT]), PAIRS_ON
    )
    spec = SignSpec(
        shingle_spec(dataclasses.replace(PAIRS_ON, shingle_hash="sha1")), 128, 1, "affine32", 20, 6
    )
    store = BandStore(20)
    sign_all(texts, spec, store, batch_size=5, workers=1)
    a, b = (
        np.array(side, dtype=np.uint32) for side in zip(*itertools.combinations(range(12), 2), strict=True)
    )
    whole = estimated_jaccard(store.signatures(a), store.signatures(b))
    assert np.array_equal(estimated_pairs(store, a, b, chunk=7), whole)
    # EN and EN_EDIT: 94 of 128 slots equal with SHA-1 shingle hashes (exact Jaccard 16 / 22 = 0.727)
    assert whole[list(zip(a.tolist(), b.tolist(), strict=True)).index((8, 9))] == 94 / 128


def test_decontamination_ignores_report_pairs() -> None:
    corpus = frame_from_rows([sft(i, TEMPLATE.format(f)) for i, f in enumerate(FILLERS)])
    references = frame_from_rows([sft(90, TEMPLATE.format("verb")), sft(91, TEMPLATE.format("noun"))])
    config = DecontamConfig(key="instruction", threshold=0.6)
    # 4 bands of 1 row, buckets of 3+ give a star + chain: 13 of the 16 corpus-reference pairs (SHA-1 hashes)
    small = NearConfig(bands=4, rows=1, max_bucket_pairs=2, shingle_hash="sha1")
    plain, plain_stats = find_contamination(corpus, references, config, small, workers=1)
    paired, paired_stats = find_contamination(
        corpus, references, config, dataclasses.replace(small, report_pairs=True), workers=1
    )
    assert paired.equals(plain)
    assert paired_stats == plain_stats
    assert plain_stats["near"]["candidate_pairs"] == 13
    assert plain["contaminated_by"].to_list() == ["r90", "r91", "r90", "r90", "r90", "r90", "r90", "r90"]


def test_section_parses_report_pairs() -> None:
    problems = Problems("rules.yaml")
    assert parse_dedup({"near": {"report_pairs": True}}, "dedup", problems) == DedupConfig(near=PAIRS_ON)
    parse_dedup({"near": {"report_pairs": "yes"}}, "dedup", problems)
    assert problems.items == ["dedup.near.report_pairs: must be true or false, got 'yes'"]


def test_stage_hands_the_pairs_to_the_run_writer(tmp_path: Path) -> None:
    ctx = StageContext(run_dir=tmp_path / "run", workers=1)
    dedup_stage(with_ledger(corpus()), {"dedup": DedupConfig(key="instruction_input", near=PAIRS_ON)}, ctx)
    pairs = ctx.tables[PAIRS_FILE]
    assert pairs.columns == ["id_a", "id_b", "jaccard", "exact"]
    assert pairs.select("id_a", "id_b").rows() == [("r0", "r1"), ("r0", "r2"), ("r1", "r2"), ("r3", "r4")]
    assert ctx.stats["dedup"]["pairs_file"] == PAIRS_FILE
    assert not (tmp_path / "run").exists()  # the run writer writes it, with the run's other files
    quiet = StageContext(run_dir=tmp_path / "quiet", workers=1)
    dedup_stage(with_ledger(corpus()), {"dedup": DedupConfig(key="instruction_input")}, quiet)
    assert quiet.tables == {}
    assert "pairs_file" not in quiet.stats["dedup"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("limit", [None, 0, 1, 2, 3, 5])
def test_band_pair_codes_are_each_buckets_pairs_or_its_star_and_chain(limit: int | None) -> None:
    from winnow.curation.dedup.candidates import band_pair_codes

    rng = np.random.default_rng(7)
    doc = rng.permutation(60).astype(np.uint32)
    key = rng.integers(0, 12, size=60).astype(np.uint64)
    expected = []
    for value in np.unique(key):
        members = sorted(int(d) for d in doc[key == value])
        if limit is None or len(members) <= limit:
            expected += [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
        else:
            expected += [(members[0], b) for b in members[1:]]
            expected += list(itertools.pairwise(members[1:]))
    for docs in (doc, np.sort(doc)):  # unordered docs, and ascending ones (a doc's rank is its index)
        keys = key if docs is doc else key[np.argsort(doc)]
        codes = band_pair_codes(docs, keys, limit)
        assert codes.dtype == np.uint64
        assert [((int(c) >> 32), int(c) & 0xFFFFFFFF) for c in codes] == sorted(expected)  # sorted already
    assert len(band_pair_codes(doc[:1], key[:1], limit)) == 0
