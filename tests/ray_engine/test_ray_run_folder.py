"""The done-when test of issue 21: `winnow curate --engine ray` on a local 2-CPU Ray cluster writes the run
folder the local engine writes (kept, dropped, quarantine, clusters, splits, stats) over a real corpus with
planted duplicates and bad lines in every input kind. ~5k rows here; ~50k rows in the slow test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("ray.data", reason="the ray engine needs Ray Data: pip install 'winnow[ray]'")

from tests.ray_engine.compare import assert_same_run
from tests.ray_engine.corpus import build_corpus
from winnow.curation.cli.main import main
from winnow.curation.io import read_cache
from winnow.curation.ray_engine.cluster import ray_cluster
from winnow.curation.ray_engine.run import run_curate_ray
from winnow.curation.run_curate import run_curate
from winnow.rules import shipped_rule_file


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    with ray_cluster(num_cpus=2):  # one local cluster for the module's runs
        yield


def _curate(corpus: Path, run_dir: Path, *extra: str) -> None:
    rules = str(shipped_rule_file("default"))
    code = main(["curate", str(corpus), "--rules", rules, "-o", str(run_dir), "--no-report", *extra])
    assert code == 0


def test_ray_engine_writes_the_local_run_folder(tmp_path: Path, cluster: None) -> None:
    corpus = build_corpus(tmp_path, rows=5_000)
    _curate(corpus, tmp_path / "local", "--cache-dir", str(tmp_path / "cache-local"))
    _curate(corpus, tmp_path / "ray", "--engine", "ray", "--cache-dir", str(tmp_path / "cache-ray"))
    assert_same_run(tmp_path / "local", tmp_path / "ray")
    rows = pl.read_parquet(tmp_path / "ray" / "rows.parquet")
    reasons = rows["drop_reason"].value_counts()
    assert {"exact_duplicate", "near_duplicate"} <= set(reasons["drop_reason"].drop_nulls())
    assert rows["id"].str.ends_with("-1").any()  # a copy inside one file: numbered across blocks
    assert rows["split"].drop_nulls().n_unique() > 1


def test_small_blocks_and_byte_ranges_change_nothing(tmp_path: Path, cluster: None) -> None:
    corpus = build_corpus(tmp_path, rows=3_000)
    rules = shipped_rule_file("default")
    _curate(corpus, tmp_path / "local", "--cache-dir", str(tmp_path / "cache-local"))
    run_curate_ray([corpus], rules, tmp_path / "ray", block_rows=256, range_bytes=64 * 1024)
    assert_same_run(tmp_path / "local", tmp_path / "ray")


def test_the_local_engine_reading_from_its_read_cache_writes_the_ray_run_folder(
    tmp_path: Path, cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the read cache (after the ray engine was built) keeps only files of 16 MB and more; at 0 every plain
    # file of this corpus is kept, so the local engine's second run reads them back instead of parsing
    monkeypatch.setattr(read_cache, "MIN_BYTES", 0)
    corpus = build_corpus(tmp_path, rows=2_000)
    cache = tmp_path / "cache-local"
    entries = []
    for run in ("local-first", "local"):
        _curate(corpus, tmp_path / run, "--cache-dir", str(cache))
        folders = sorted((cache / "stages" / "read").iterdir())
        entries.append({p.name: (p / "columns.parquet").stat().st_mtime_ns for p in folders})
    # the JSON array, the JSONL, the gzip JSONL and the Parquet file (not the save_to_disk folder); the
    # second run loaded each entry (a read that missed would have written it again, or another key)
    assert len(entries[0]) == 4
    assert entries[1] == entries[0]
    _curate(corpus, tmp_path / "ray", "--engine", "ray", "--cache-dir", str(tmp_path / "cache-ray"))
    assert_same_run(tmp_path / "local", tmp_path / "ray")


def test_a_rerun_reads_each_byte_range_back_from_the_read_cache(
    tmp_path: Path, cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as the local engine's read cache, at a threshold of 0 (files of 16 MB and more otherwise): every read
    # task of a plain file (the JSONL in 64 KB ranges, the JSON, the gzip JSONL, the Parquet) is kept once
    monkeypatch.setattr(read_cache, "MIN_BYTES", 0)
    corpus = build_corpus(tmp_path, rows=3_000)
    rules = shipped_rule_file("default")
    cache = tmp_path / "cache-ray"
    _curate(corpus, tmp_path / "local", "--cache-dir", str(tmp_path / "cache-local"))
    entries = []
    for run in ("ray-first", "ray"):
        run_curate_ray([corpus], rules, tmp_path / run, range_bytes=64 * 1024, cache_dir=cache)
        folders = sorted((cache / "stages" / "ray-read").iterdir())
        entries.append({p.name: (p / "columns.parquet").stat().st_mtime_ns for p in folders})
    assert len(entries[0]) > 4  # the JSONL alone is several ranges
    assert entries[1] == entries[0]  # the second run loaded every entry and wrote none
    assert_same_run(tmp_path / "local", tmp_path / "ray")


@pytest.mark.slow
def test_ray_engine_on_50k_rows(tmp_path: Path, cluster: None) -> None:
    corpus = build_corpus(tmp_path, rows=50_000)
    _curate(corpus, tmp_path / "local", "--cache-dir", str(tmp_path / "cache-local"))
    run_curate_ray(
        [corpus], shipped_rule_file("default"), tmp_path / "ray", block_rows=5_000, range_bytes=1 << 20
    )
    assert_same_run(tmp_path / "local", tmp_path / "ray")


def test_a_threshold_only_rerun_reuses_the_block_caches_as_the_local_engine_its_cache(
    tmp_path: Path, cluster: None
) -> None:
    corpus = build_corpus(tmp_path, rows=1_000)
    default = shipped_rule_file("default")
    changed = tmp_path / "changed.yaml"
    text = default.read_text(encoding="utf-8")
    changed.write_text(
        text.replace("max_ratio: 0.4, min_chars: 20", "max_ratio: 0.3, min_chars: 20"), "utf-8"
    )
    assert changed.read_text(encoding="utf-8") != text
    caches = {}
    for engine in ("local", "ray"):
        cache = tmp_path / f"cache-{engine}"
        for rules in (default, changed):
            if engine == "ray":
                result = run_curate_ray([corpus], rules, tmp_path / engine, cache_dir=cache, block_rows=100)
            else:
                result = run_curate([corpus], rules, tmp_path / engine, cache_dir=cache)
            caches[engine, rules.name] = result.stats["stages"]["checks"]["cache"]
        assert result.stats["stages"]["language"]["stage_cache"] == "hit"
    blocks = list((tmp_path / "cache-ray" / "blocks").iterdir())  # a cache folder per block
    assert blocks
    assert caches["ray", "default.yaml"]["values_from_cache"] == 0
    for counter in ("values_from_cache", "values_computed"):  # the re-run reads what the local one reads
        assert caches["ray", "changed.yaml"][counter] == caches["local", "changed.yaml"][counter]
    assert (
        caches["ray", "changed.yaml"]["values_from_cache"]
        > 2 * caches["ray", "changed.yaml"]["values_computed"]
    )
    assert_same_run(tmp_path / "local", tmp_path / "ray")
