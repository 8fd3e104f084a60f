"""Split assignment: stratification, clusters together, determinism, stability under added rows."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from winnow.curation.split.assign import assign_splits, unit_positions
from winnow.curation.split.section import SplitConfig


def _rows(n: int, tasks: tuple[str, ...] = ("code", "math", "open_qa"), start: int = 0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [f"row-{i}" for i in range(start, start + n)],
            "task": [tasks[i % len(tasks)] for i in range(start, start + n)],
        }
    )


def _counts(frame: pl.DataFrame) -> dict[tuple[str, str], int]:
    return {(t, s): n for t, s, n in frame.group_by("task", "split").len().iter_rows()}


def test_unit_positions_are_blake2b_and_uniform() -> None:
    assert unit_positions(["a"], 0) == unit_positions(["a"], 0)
    assert unit_positions(["a"], 0) != unit_positions(["a"], 1)
    values = unit_positions([str(i) for i in range(10_000)], 7)
    assert all(0.0 <= v < 1.0 for v in values)
    assert abs(sum(values) / len(values) - 0.5) < 0.01


def test_exact_stratification_matches_fractions_per_task() -> None:
    out = assign_splits(_rows(3000), ["task"], SplitConfig(fractions=(0.8, 0.1, 0.1)))
    assert _counts(out) == {
        (task, split): n
        for task in ("code", "math", "open_qa")
        for split, n in (("train", 800), ("val", 100), ("test", 100))
    }


def test_exact_rounds_small_strata() -> None:
    out = assign_splits(_rows(15, tasks=("a",)), ["task"], SplitConfig(fractions=(0.8, 0.1, 0.1)))
    assert out["split"].value_counts().sort("split").rows() == [("test", 2), ("train", 12), ("val", 1)]


def test_deterministic_and_independent_of_row_order() -> None:
    rows = _rows(500)
    config = SplitConfig(fractions=(0.7, 0.15, 0.15), seed=3)
    first = assign_splits(rows, ["task"], config).sort("id")
    shuffled = assign_splits(rows.sample(fraction=1.0, shuffle=True, seed=1), ["task"], config).sort("id")
    assert first["split"].to_list() == shuffled["split"].to_list()
    other_seed = assign_splits(rows, ["task"], SplitConfig(fractions=(0.7, 0.15, 0.15), seed=4)).sort("id")
    assert first["split"].to_list() != other_seed["split"].to_list()


def test_clusters_land_in_one_split() -> None:
    rows = _rows(1000).with_columns(
        pl.when(pl.int_range(pl.len()) % 4 == 0)
        .then(pl.lit("cluster-") + (pl.int_range(pl.len()) % 37).cast(pl.String))
        .otherwise(None)
        .alias("dup_cluster")
    )
    out = assign_splits(rows, ["task"], SplitConfig(fractions=(0.6, 0.2, 0.2)))
    per_cluster = (
        out.filter(pl.col("dup_cluster").is_not_null())
        .group_by("dup_cluster")
        .agg(pl.col("split").n_unique())
    )
    assert per_cluster.height == 37
    assert per_cluster["split"].max() == 1
    apart = assign_splits(
        rows, ["task"], SplitConfig(fractions=(0.6, 0.2, 0.2), keep_clusters_together=False)
    )
    assert (
        apart.filter(pl.col("dup_cluster").is_not_null())
        .group_by("dup_cluster")
        .agg(pl.col("split").n_unique())["split"]
        .max()
        > 1
    )


def test_hash_method_never_moves_rows_when_rows_are_added() -> None:
    config = SplitConfig(fractions=(0.8, 0.1, 0.1), method="hash")
    before = assign_splits(_rows(1000), ["task"], config)
    after = assign_splits(pl.concat([_rows(1000), _rows(700, start=1000)]), ["task"], config)
    joined = before.join(after, on="id", suffix="_after")
    assert joined.height == 1000
    assert (joined["split"] == joined["split_after"]).all()


def test_exact_with_previous_is_stable_and_still_exact() -> None:
    config = SplitConfig(fractions=(0.8, 0.1, 0.1))
    before = assign_splits(_rows(900), ["task"], config)
    grown = pl.concat([_rows(900), _rows(600, start=900)])
    after = assign_splits(grown, ["task"], config, pinned=before.select("id", "split"))
    joined = before.join(after, on="id", suffix="_after")
    assert (joined["split"] == joined["split_after"]).all()
    assert _counts(after) == {
        (task, split): n
        for task in ("code", "math", "open_qa")
        for split, n in (("train", 400), ("val", 50), ("test", 50))
    }
    # without memory, exact moves only a few rows near the cut points
    unpinned = assign_splits(grown, ["task"], config)
    moved = (
        before.join(unpinned, on="id", suffix="_after")
        .filter(pl.col("split") != pl.col("split_after"))
        .height
    )
    assert 0 < moved < 90


@pytest.mark.parametrize("method", ["exact", "hash"])
def test_no_strata_and_all_train(method: str) -> None:
    out = assign_splits(_rows(10), [], SplitConfig(fractions=(1.0, 0.0, 0.0), method=method))
    assert out["split"].to_list() == ["train"] * 10


def test_empty_frame() -> None:
    assert assign_splits(_rows(0), ["task"], SplitConfig()).columns == ["id", "task", "split"]


def test_uniform_hashes_are_the_blake2b_prefix() -> None:
    import hashlib

    from winnow.curation.split.hashing import uniform_hashes

    keys = ["a", "中文", ""]
    expected = [
        int.from_bytes(hashlib.blake2b(("salt" + k).encode(), digest_size=8).digest(), "big") / 2**64
        for k in keys
    ]
    assert uniform_hashes(keys, "salt").tolist() == expected
    assert uniform_hashes([], "salt").tolist() == []


def test_second_stratum_nests_inside_the_first() -> None:
    """task x language: every task is cut exactly, every task x language within one row of its share."""
    rows = _rows(1100).with_columns(
        pl.when(pl.int_range(pl.len()) % 7 < 3).then(pl.lit("zh")).otherwise(pl.lit("en")).alias("lang")
    )
    out = assign_splits(rows, ["task", "lang"], SplitConfig(fractions=(0.8, 0.1, 0.1)))
    for (task,), group in out.group_by("task"):
        n = group.height
        counts = dict(group.group_by("split").len().iter_rows())
        for split, fraction in (("train", 0.8), ("val", 0.1), ("test", 0.1)):
            assert abs(counts[split] - n * fraction) < 1.0, (task, split)
        for (_lang,), sub in group.group_by("lang"):
            sub_counts = dict(sub.group_by("split").len().iter_rows())
            for split, fraction in (("train", 0.8), ("val", 0.1), ("test", 0.1)):
                assert abs(sub_counts.get(split, 0) - sub.height * fraction) <= 1.0, (task, split)


def test_uniform_hashes_are_the_same_with_and_without_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    # a small first run hashes with hashlib, a large one (or any once compiled) with the kernel
    from winnow.curation.split import hashing

    keys = [f"unit:{i}" for i in range(300)] + ["中文", ""]
    monkeypatch.setattr(hashing, "in_numba_cache", lambda dispatcher: False)
    plain = hashing.uniform_hashes(keys, "winnow-split\x1f7\x1f").tolist()
    monkeypatch.setattr(hashing, "COMPILE_FROM", 1)
    compiled = hashing.uniform_hashes(pl.Series(keys), "winnow-split\x1f7\x1f").tolist()
    assert compiled == plain
    assert len(set(plain)) == len(keys)


def test_units_go_by_their_rank_in_u_then_key_order_with_the_same_result() -> None:
    # assign_splits groups and orders units by RANK; handed units without it, it ranks their keys itself
    from winnow.curation.split.assign import RANK, UNIT, _unit_rank, place_units

    keys = pl.Series(["prompt:b", "row:a", "cluster:z", "prompt:a"])
    assert _unit_rank(keys, np.array([0.5, 0.1, 0.5, 0.5])).to_list() == [3, 0, 1, 2]  # equal u: by key
    rows = _rows(400)
    config = SplitConfig(fractions=(0.7, 0.2, 0.1))
    placed = place_units(rows, config)
    assert placed[RANK].n_unique() == placed[UNIT].n_unique()
    with_rank = assign_splits(rows, ["task"], config, placed=placed)
    without = assign_splits(rows, ["task"], config, placed=placed.drop(RANK))
    assert with_rank["split"].to_list() == without["split"].to_list()
    assert with_rank["split"].value_counts().sort("split").rows() == [
        ("test", 39),
        ("train", 280),
        ("val", 81),
    ]
