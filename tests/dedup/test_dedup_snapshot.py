"""Candidate snapshots (winnow.curation.dedup.snapshot): a re-run's candidates, updated from a stored run for
the documents that left, joined or moved, are exactly those built afresh, and only those documents are
bucketed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.dedup.test_dedup_memo import alpaca_with_near_copies, assert_same, corpus, dropping, run
from winnow.curation.dedup.config import DedupConfig, NearConfig
from winnow.curation.dedup.memo import memo_key
from winnow.curation.dedup.snapshot import ARRAYS, KEEP_SETTINGS, Snapshot, Snapshots, build

LIMIT = 5  # max_bucket_pairs: buckets past 5 documents give a star + chain


def band_columns(rng: np.random.Generator, n: int, bands: int = 4) -> list[np.ndarray]:
    """Keys with many shared values (buckets of 1 to ~20 documents, some past LIMIT)."""
    return [
        rng.integers(0, n // 6, size=n).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        for _ in range(bands)
    ]


def documents(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(k1, k2) of documents named by integer ids."""
    return ids.astype(np.uint64) * np.uint64(7) + np.uint64(1), ids.astype(np.uint64) * np.uint64(
        11
    ) + np.uint64(3)


def with_outcomes(snapshot: Snapshot) -> Snapshot:
    """The snapshot with a distinct known measure per candidate (its code), as a run would store it."""
    m = len(snapshot.codes)
    snapshot.outcomes = (snapshot.codes.astype(np.float64), np.full(m, np.nan), np.full(m, -1, dtype=np.int8))
    return snapshot


def updated(
    stored_ids: np.ndarray, ids: np.ndarray, keys: dict[int, list[int]]
) -> tuple[Snapshot, Snapshot, Snapshot, int]:
    """(the snapshot of `stored_ids`, its update to `ids`, the snapshot built afresh for `ids`, documents
    bucketed)."""
    bands = len(next(iter(keys.values())))

    def columns(of: np.ndarray) -> list[np.ndarray]:
        return [np.array([keys[int(d)][i] for d in of], dtype=np.uint64) for i in range(bands)]

    stored = with_outcomes(build(*documents(stored_ids), columns(stored_ids), LIMIT))
    asked: list[int] = []

    def keys_of(docs: np.ndarray) -> list[np.ndarray]:
        asked.extend(int(ids[d]) for d in docs)
        return columns(ids[docs])

    update = stored.update(*documents(ids), keys_of, LIMIT)
    assert update is not None
    assert sorted(asked) == sorted(set(ids.tolist()) - set(stored_ids.tolist()))  # only new ones are asked
    return stored, update.updated, build(*documents(ids), columns(ids), LIMIT), update.bucketed


@pytest.mark.parametrize("seed", range(6))
def test_an_update_gives_the_candidates_built_afresh(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 600
    columns = band_columns(rng, n + 40)
    keys = {d: [int(c[d]) for c in columns] for d in range(n + 40)}
    stored_ids = np.arange(n)
    gone = rng.choice(n, size=30, replace=False)  # a drop rule's new victims
    kept = np.setdiff1d(stored_ids, gone)
    # documents that left, 25 new ones (a loosened rule), and one that moved after its neighbours (its exact
    # group's first row dropped: a later row represents it)
    ids = np.concatenate([kept[:100], kept[101:300], [kept[100]], kept[300:], np.arange(n, n + 25)])
    stored, new, fresh, bucketed = updated(stored_ids, ids, keys)
    assert np.array_equal(new.codes, fresh.codes)
    assert np.array_equal(new.counts, fresh.counts)
    assert bucketed == 26  # the 25 new documents and the one that moved
    # what was known of a pair that stays a candidate is carried to its new numbering
    assert new.outcomes is not None
    a, b = new.codes >> np.uint64(32), new.codes & np.uint64(0xFFFFFFFF)
    then = {int(d): i for i, d in enumerate(stored_ids)}
    old_code = np.array(
        [(then.get(int(ids[x]), -1), then.get(int(ids[y]), -1)) for x, y in zip(a, b, strict=True)]
    )
    # pairs of two documents that stayed in place (the moved one's pairs are new: counted out and in again)
    both = (old_code >= 0).all(axis=1) & (old_code != kept[100]).all(axis=1)
    expected = (old_code[:, 0].astype(np.uint64) << np.uint64(32)) | old_code[:, 1].astype(np.uint64)
    was_candidate = both & np.isin(expected, stored.codes)
    assert np.array_equal(~np.isnan(new.outcomes[0]), was_candidate)  # the others: nothing known yet
    assert np.array_equal(new.outcomes[0][was_candidate], expected[was_candidate].astype(np.float64))
    assert 0 < was_candidate.sum() < len(new.codes)


def test_a_bucket_crossing_the_limit_changes_its_pairs() -> None:
    """Six documents share a key in the only band: a star from the first and a chain (5 pairs); one leaves and
    the five left give all their pairs (10); one more joins and the star + chain come back."""
    keys = {d: [42] for d in range(7)}
    six, five, seven = np.arange(6), np.array([0, 1, 2, 4, 5]), np.arange(7)
    _, new, fresh, _ = updated(six, five, keys)
    assert np.array_equal(new.codes, fresh.codes)
    assert len(new.codes) == 10
    _, new, fresh, _ = updated(six, seven, keys)
    assert np.array_equal(new.codes, fresh.codes)
    pairs = [(int(c >> np.uint64(32)), int(c & np.uint64(0xFFFFFFFF))) for c in new.codes]
    assert pairs == [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6)]


def test_a_re_run_buckets_only_the_documents_that_changed(tmp_path: Path) -> None:
    """600 real Alpaca rows and near copies of 200: a drop rule's re-run buckets nothing (every document was
    stored), a re-run that lets rows through again buckets those; both equal runs without the memo."""
    frame = alpaca_with_near_copies()
    config = DedupConfig()
    checked = dropping(frame, {5, 77, 240, 601, 650})  # the cold run: a check drops five rows
    cold = run(checked, config, tmp_path)
    assert cold[1].memo is not None
    assert cold[1].memo["docs_bucketed"] == 790  # one per exact group
    stricter = dropping(frame, {5, 77, 240, 601, 650, 3, 4, 203, 204, 300, 602})  # a drop rule drops six more
    again = run(stricter, config, tmp_path)
    assert_same(again, run(stricter, config, None))
    assert again[1].memo == {
        "keys_reused": 1,
        "signatures_reused": 784,
        "pairs_measured": 0,  # every pair the loop asks about was measured by the cold run
        "parts_judged": 0,
        "shingle_sets_built": 0,
        "docs_bucketed": 0,  # only documents left: their buckets' pairs come off the stored candidates
    }
    looser = dropping(frame, {5, 77})  # a loosened rule: three of the cold run's dropped rows come back
    back = run(looser, config, tmp_path)
    assert_same(back, run(looser, config, None))
    assert back[1].memo == {
        "keys_reused": 1,
        "signatures_reused": 790,  # the three that came back are signed (no earlier run compared them)
        "pairs_measured": 2,  # their new candidate pairs (which pairs LSH proposes depends on the hash)
        "parts_judged": 1,
        "shingle_sets_built": 4,
        "docs_bucketed": 3,  # and only they are looked up in the buckets
    }


def test_a_moved_document_is_bucketed_again(tmp_path: Path) -> None:
    """Row 0 and row 2 are one exact group: dropping row 0 makes row 2 its representative, after row 1's
    document; the group's document is bucketed again from its stored keys (not signed: nothing is new)."""
    config = DedupConfig()
    frame = corpus()
    run(frame, config, tmp_path)
    moved = run(dropping(frame, {0}), config, tmp_path)
    assert_same(moved, run(dropping(frame, {0}), config, None))
    assert moved[1].memo is not None
    assert moved[1].memo["docs_bucketed"] == 1
    assert moved[1].memo["signatures_reused"] == 7


def test_a_damaged_snapshot_is_built_again_and_settings_are_pruned(tmp_path: Path) -> None:
    frame = corpus()
    config = DedupConfig()
    run(frame, config, tmp_path)
    folder = tmp_path / "stages" / "dedup-memo" / memo_key(config) / "candidates"
    (snapshot,) = folder.iterdir()
    (snapshot / "code.npy").write_bytes(b"not an array")
    again = run(dropping(frame, {6}), config, tmp_path)
    assert_same(again, run(dropping(frame, {6}), config, None))
    assert again[1].memo is not None
    assert again[1].memo["docs_bucketed"] == 6  # built afresh, and stored again
    assert [p.name for p in folder.iterdir()] != [snapshot.name]
    for threshold in (0.5, 0.9, 0.3):  # other bands: one snapshot per setting, the least recent pruned
        run(frame, DedupConfig(near=NearConfig(threshold=threshold)), tmp_path)
    assert len(list(folder.iterdir())) == KEEP_SETTINGS
    assert all((p / "complete").is_file() for p in folder.iterdir())
    assert sorted(p.name for p in next(folder.iterdir()).iterdir()) == sorted(
        ["complete", *(f"{name}.npy" for name in ARRAYS)]
    )


def test_saving_is_best_effort_and_spares_a_folder_another_run_is_writing(tmp_path: Path) -> None:
    k1 = np.arange(8, dtype=np.uint64)
    snapshot = with_outcomes(build(k1, k1, [k1 % np.uint64(3)], LIMIT))
    blocked = tmp_path / "memo"
    blocked.write_text("a file where the memo folder would be")
    Snapshots(blocked).save(snapshot, 1, 1, LIMIT)  # cannot be written: no error, nothing kept
    assert Snapshots(blocked).load(1, 1, LIMIT) is None
    snapshots = Snapshots(tmp_path / "ok")
    snapshots.save(snapshot, 1, 1, LIMIT)
    writing = tmp_path / "ok" / "candidates" / "1x1-5-00000000000000000001-feedbeef"
    writing.mkdir()  # no `complete` yet: another run's snapshot being written
    snapshots.save(snapshot, 1, 1, LIMIT)
    folders = sorted(p.name for p in (tmp_path / "ok" / "candidates").iterdir())
    assert len(folders) == 2
    assert writing.name in folders
    loaded = snapshots.load(1, 1, LIMIT)
    assert loaded is not None
    assert np.array_equal(loaded.codes, snapshot.codes)
    assert np.array_equal(loaded.counts, snapshot.counts)


def test_a_saved_snapshot_loads_back_whole_and_a_wrong_band_count_is_not_read(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    k1, k2 = documents(np.arange(40))
    snapshot = with_outcomes(build(k1, k2, band_columns(rng, 40, bands=3), LIMIT))
    snapshot.covers = "00000000000000000007-cafe"
    snapshots = Snapshots(tmp_path)
    snapshots.save(snapshot, 3, 2, LIMIT)
    loaded = snapshots.load(3, 2, LIMIT)
    assert loaded is not None
    assert loaded.outcomes is not None
    assert snapshot.outcomes is not None
    for mine, theirs in [
        (loaded.k1, k1),
        (loaded.k2, k2),
        *zip(loaded.keys, snapshot.keys, strict=True),
        (loaded.codes, snapshot.codes),
        (loaded.counts, snapshot.counts),
        *zip(loaded.outcomes, snapshot.outcomes, strict=True),
    ]:
        assert mine.dtype == theirs.dtype
        assert np.array_equal(mine, theirs, equal_nan=mine.dtype.kind == "f")
    assert loaded.covers == "00000000000000000007-cafe"
    (folder,) = (tmp_path / "candidates").iterdir()
    (folder / "complete").unlink()
    assert snapshots.load(3, 2, LIMIT) is None  # not complete: never read
    (folder / "complete").write_text("x")
    folder.rename(folder.with_name(folder.name.replace("3x2", "4x2", 1)))
    assert snapshots.load(4, 2, LIMIT) is None  # three bands stored, four asked for


def test_bucket_members_are_found_by_key_not_by_the_bitmap_bits_alone() -> None:
    from winnow.curation.dedup.snapshot import _MARK_BITS, _members

    high = np.uint64(1 << _MARK_BITS)  # keys that differ only above the bitmap's bits share its mark
    band = np.array([5, 5 + high, 7, 5, 9 + 3 * high, 5 + 2 * high], dtype=np.uint64)
    marks = np.zeros(1 << _MARK_BITS, dtype=bool)
    room = np.empty(len(band), dtype=np.int64)
    touched = np.array([5, 9 + 3 * high], dtype=np.uint64)
    assert _members(band, touched, marks, room).tolist() == [0, 3, 4]
    assert not marks.any()  # left as it was found, for the next band
    assert _members(band, np.array([5 + high], dtype=np.uint64), marks, room).tolist() == [1]
