"""The stage cache (winnow.curation.stage_cache): a re-run after one rule change gives the run folder a cold run
gives, bit for bit, and reuses exactly the stages the change cannot reach."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.conftest import shared_path
from winnow.curation.run_curate import run_curate
from winnow.curation.stage_cache import (
    KEEP,
    StageCache,
    StageOutput,
    code_digest,
    column_digest,
    content_digest,
)
from winnow.rules import shipped_rule_file

# change → (pattern in the shipped default rules, replacement, stage cache outcomes of the re-run)
CHANGES = {
    # a drop rule: rows reach dedup that did not (or the reverse), so dedup runs again, from the memo of
    # signatures and pair measures (incremental); language does not
    "drop_check": (
        r"(name: response_too_long\n.*\n\s*params: \{max_chars: )30000",
        r"\g<1>400",
        {"language": "hit", "dedup": "incremental", "tasks": "hit"},
    ),
    # a flag rule: no row changes whether it is kept
    "flag_check": (
        r"(params: \{max_ratio: )0\.4(, min_chars: 20\})",
        r"\g<1>0.05\g<2>",
        {"language": "hit", "dedup": "hit", "tasks": "hit"},
    ),
    "language": (
        r"(response: \{min_purity: )0\.5\}",
        r"\g<1>0.95}",
        {"language": "hit", "dedup": "hit", "tasks": "hit"},
    ),
    "language_drop": (
        r"(\n  action: )flag(\n\ntasks:)",
        r"\g<1>drop\g<2>",
        {"language": "hit", "dedup": "incremental", "tasks": "hit"},
    ),
    "dedup": (
        r"(\n    threshold: )0\.7(\s)",
        r"\g<1>0.5\g<2>",
        {"language": "hit", "dedup": "incremental", "tasks": "hit"},
    ),
    "split": (
        r"fractions: \{train: 0\.9, val: 0\.05, test: 0\.05\}",
        "fractions: {train: 0.6, val: 0.2, test: 0.2}",
        {"language": "hit", "dedup": "hit", "tasks": "hit"},
    ),
    "tasks": (
        r"min_confidence: 0\.0 ",
        "min_confidence: 0.5 ",
        {"language": "hit", "dedup": "hit", "tasks": "miss"},
    ),
    "mix": (r"max_factor: 3 ", "max_factor: 2 ", {"language": "hit", "dedup": "hit", "tasks": "hit"}),
}
RUN_FILES = ("rows.parquet", "kept.parquet", "dropped.parquet")


def _corpus(folder: Path) -> Path:
    """600 real English and 600 real Chinese Alpaca rows, and a near copy (row number appended) of 200 of
    each: near and exact duplicates, both scripts, rows the checks drop."""
    rows = []
    for name in ("alpaca_en_demo.json", "alpaca_zh_demo.json"):
        data = json.loads(shared_path("llama_factory_demo", name).read_text(encoding="utf-8"))[:600]
        rows += data + [dict(r, instruction=f"{r['instruction']} #{i}") for i, r in enumerate(data[:200])]
    path = folder / "data.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _rules(folder: Path, change: str | None) -> Path:
    text = shipped_rule_file("default").read_text(encoding="utf-8")
    if change is not None:
        pattern, replacement, _ = CHANGES[change]
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, change
    path = folder / f"rules_{change}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _outcomes(stats: dict[str, Any]) -> dict[str, str]:
    return {name: stats["stages"][name]["stage_cache"] for name in ("language", "dedup", "tasks")}


def _assert_same_run(cached: Path, cold: Path) -> None:
    for name in RUN_FILES:
        assert_frame_equal(pl.read_parquet(cached / name), pl.read_parquet(cold / name))
    stats = [json.loads((run / "stats.json").read_text(encoding="utf-8")) for run in (cached, cold)]
    for entry in stats:
        for volatile in ("run", "timings", "stage_cache", "inputs"):
            entry.pop(volatile, None)
        entry["stages"]["dedup"].pop("seconds", None)
        entry["stages"]["dedup"].pop("memo", None)  # what the memo answered: the only difference allowed
        for name in ("language", "dedup", "tasks"):
            entry["stages"][name].pop("stage_cache")
        for name in ("mappers", "checks"):  # the metric and mapper caches' own counts
            entry["stages"][name].pop("cache", None)
        entry["stages"]["language"]["detector"].pop("cache_hits", None)  # the answers cache's own count
        entry["stages"]["language"]["detector"].pop("cache_entries", None)
    for name in stats[1]["stages"]:
        assert (name, stats[0]["stages"][name]) == (name, stats[1]["stages"][name])
    assert stats[0] == stats[1]


@pytest.fixture(scope="module")
def warmed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The corpus, and a cache folder holding what a run with the default rules left."""
    folder = tmp_path_factory.mktemp("stage_cache")
    data = _corpus(folder)
    first = run_curate([data], _rules(folder, None), folder / "base", cache_dir=folder / "cache")
    assert _outcomes(first.stats) == {"language": "miss", "dedup": "miss", "tasks": "miss"}
    return data, folder


@pytest.mark.slow
@pytest.mark.parametrize("change", list(CHANGES))
def test_rerun_after_one_change_equals_a_cold_run(
    warmed: tuple[Path, Path], change: str, tmp_path: Path
) -> None:
    data, folder = warmed
    rules = _rules(tmp_path, change)
    cold = run_curate([data], rules, tmp_path / "cold", cache_dir=tmp_path / "empty_cache")
    assert _outcomes(cold.stats) == {"language": "miss", "dedup": "miss", "tasks": "miss"}
    # a copy of the warmed cache: each change starts from what the default rules' run left
    cache = tmp_path / "cache"
    _copy_tree(folder / "cache", cache)
    rerun = run_curate([data], rules, tmp_path / "rerun", cache_dir=cache)
    assert _outcomes(rerun.stats) == CHANGES[change][2]
    if _outcomes(rerun.stats)["dedup"] == "incremental":
        # the re-run took the stored signatures and measures: it signed and measured a fraction of the
        # cold run's (which took none); its run folder is still the cold run's (below)
        cold_memo, rerun_memo = cold.stats["stages"]["dedup"]["memo"], rerun.stats["stages"]["dedup"]["memo"]
        assert cold_memo["signatures_reused"] == 0
        assert rerun_memo["signatures_reused"] > 0.9 * cold.stats["stages"]["dedup"]["rows_compared"]
        assert rerun_memo["pairs_measured"] < cold_memo["pairs_measured"] / 2
    _assert_same_run(tmp_path / "rerun", tmp_path / "cold")


@pytest.mark.slow
def test_the_changes_change_the_run(warmed: tuple[Path, Path]) -> None:
    """Each change moves something, so the equality above is not between two unchanged runs."""
    _, folder = warmed
    base = pl.read_parquet(folder / "base" / "rows.parquet")
    assert base["dup_cluster"].drop_nulls().len() > 300  # the near copies are found
    assert base["drop_reason"].value_counts().height > 2


def _copy_tree(source: Path, target: Path) -> None:
    import shutil

    shutil.copytree(source, target)


def test_entries_are_pruned_and_damaged_ones_are_misses(tmp_path: Path) -> None:
    cache = StageCache(tmp_path)
    columns = pl.DataFrame({"x": [1, 2]})
    for i in range(KEEP + 2):
        cache.save("s", f"k{i}", StageOutput(columns, {"i": i}, {"t.parquet": columns}))
    kept = sorted(p.name for p in (tmp_path / "stages" / "s").iterdir())
    assert len(kept) == KEEP
    hit = cache.load("s", kept[-1])
    assert hit is not None
    assert_frame_equal(hit.tables["t.parquet"], columns)
    (tmp_path / "stages" / "s" / kept[-1] / "columns.parquet").write_bytes(b"not parquet")
    assert cache.load("s", kept[-1]) is None
    assert StageCache(None).load("s", "k0") is None


def test_pruning_skips_entries_another_process_removed_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the ray engine's workers save reads into one folder side by side: an entry another worker's prune
    # removes between this prune listing the folder and looking at the entry's time is skipped
    columns = pl.DataFrame({"x": [1]})
    for i in range(3):
        StageCache(tmp_path, keep=5).save("s", f"k{i}", StageOutput(columns))
    folder = tmp_path / "stages" / "s"
    for i in range(3):
        os.utime(folder / f"k{i}", (100 * (i + 1), 100 * (i + 1)))
    original = Path.is_dir

    def seen_then_removed(self: Path) -> bool:
        seen = original(self)
        if self == folder / "k1" and seen:
            shutil.rmtree(self)  # another process, right after this prune saw the entry
        return seen

    monkeypatch.setattr(Path, "is_dir", seen_then_removed)
    StageCache(tmp_path, keep=1).save("s", "k3", StageOutput(columns))  # no error; the newest stays
    monkeypatch.undo()
    assert sorted(p.name for p in folder.iterdir()) == ["k3"]


def test_a_key_written_meanwhile_is_kept_and_stale_staging_is_removed(tmp_path: Path) -> None:
    cache = StageCache(tmp_path)
    first = StageOutput(pl.DataFrame({"x": [1]}), {"run": 1})
    cache.save("s", "k", first)
    cache.save("s", "k", StageOutput(pl.DataFrame({"x": [1]}), {"run": 2}))  # same key: the first stays
    hit = cache.load("s", "k")
    assert hit is not None
    assert hit.stats == {"run": 1}
    stale = tmp_path / "stages" / "s" / ".k-killed"
    stale.mkdir()
    os.utime(stale, (0, 0))
    cache.save("s", "k2", first)
    assert sorted(p.name for p in (tmp_path / "stages" / "s").iterdir()) == ["k", "k2"]


def test_digests_see_order_values_and_nulls() -> None:
    frame = pl.DataFrame({"text": ["a", "b"], "id": ["1", "2"], "drop_reason": [None, "x"]})
    assert content_digest(frame) != content_digest(frame.reverse())
    assert content_digest(frame) == content_digest(frame.with_columns(pl.lit("9").alias("id")))  # not content
    assert column_digest(frame, ["drop_reason"]) != column_digest(
        frame.with_columns(pl.lit(None, pl.String).alias("drop_reason")), ["drop_reason"]
    )
    assert column_digest(frame, ["quality_score"]) != column_digest(frame, ["id"])


@pytest.mark.slow
def test_dedup_key_follows_what_dedup_reads(tmp_path: Path) -> None:
    """The dedup entry is reused when only what dedup does not read changed (line numbers), and never when
    a row stops competing, an id changes, or decontamination reads reference files."""
    from tests.dedup.test_dedup_find import sft
    from winnow.curation.dedup.config import DecontamConfig, DedupConfig
    from winnow.curation.dedup.stage import dedup_stage
    from winnow.curation.ledger import with_ledger
    from winnow.curation.record import frame_from_rows
    from winnow.curation.stages import StageContext

    story = "Write a short story about a brave knight who travels across the kingdom to rescue a dragon"
    rows = [sft(0, story, "a"), sft(1, story + "!", "bb"), sft(2, story.replace("travels", "walks"), "c")]
    frame = with_ledger(frame_from_rows(rows))
    config = {"dedup": DedupConfig(key="instruction_input", keep="first_seen")}

    def run(changed: pl.DataFrame, rules: dict[str, Any] = config) -> tuple[list[Any], str]:
        ctx = StageContext(cache_dir=tmp_path, workers=1)
        out = dedup_stage(changed, rules, ctx)
        return out["drop_reason"].to_list(), ctx.stats["dedup"]["stage_cache"]

    found = [None, "near_duplicate", None]  # the copy with "!" is a near duplicate of the first row
    assert run(frame) == (found, "miss")
    assert run(frame) == (found, "hit")
    assert run(frame.with_columns(pl.col("line") + 10)) == (found, "hit")
    first_dropped = frame.with_columns(
        pl.when(pl.col("line") == frame["line"][0]).then(pl.lit("empty_response")).alias("drop_reason")
    )
    # the copy now stands alone: run again, from the signatures the first run stored
    assert run(first_dropped) == (["empty_response", None, None], "incremental")
    renamed = frame.with_columns((pl.col("id") + "x").alias("id"))
    assert (
        run(renamed)[1] == "incremental"
    )  # the whole entry misses (ids name clusters); texts did not change
    reference = tmp_path / "eval.jsonl"
    reference.write_text('{"instruction": "unrelated", "input": "", "output": "x"}\n', encoding="utf-8")
    decontaminating = {
        "dedup": DedupConfig(
            key="instruction_input",
            keep="first_seen",
            decontaminate=DecontamConfig(references=(str(reference),)),
        )
    }
    # decontamination is never cached whole (its reference files are outside the key); the memo of
    # signatures and measures still serves it
    assert run(frame, decontaminating) == (found, "incremental")


def test_code_digest_changes_with_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import winnow.curation.stage_cache as stage_cache

    (tmp_path / "stage").mkdir()
    (tmp_path / "stage" / "detect.py").write_text("SCORE = 1\n", encoding="utf-8")
    (tmp_path / "record.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.setattr(stage_cache, "_PACKAGE_ROOT", tmp_path)
    before = code_digest("stage", "record.py")
    assert code_digest("stage", "record.py") == before
    (tmp_path / "stage" / "detect.py").write_text("SCORE = 2\n", encoding="utf-8")
    assert code_digest("stage", "record.py") != before
    assert code_digest("stage") != code_digest("stage", "record.py")
