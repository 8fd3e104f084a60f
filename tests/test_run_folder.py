"""Issue 23, item 4: a run folder appears whole or not at all, every file names its run, and export and shard
refuse a folder whose files are not all from one run."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from winnow.curation import run_folder
from winnow.curation.cli.main import main
from winnow.curation.dedup.stage import PAIRS_FILE
from winnow.curation.errors import WinnowError
from winnow.curation.export.run import export_run
from winnow.curation.rulefile.load import RuleFile, parse_rules
from winnow.curation.run_curate import run_curate
from winnow.curation.run_folder import RUN_FILES, RunFolderError, check_run_folder
from winnow.curation.shard.settings import ShardSettings
from winnow.curation.shard.writer import shard_run

ROWS = [
    {"instruction": "Say hi", "input": "", "output": "Hi!"},
    {"instruction": "Name a colour", "input": "", "output": "Blue."},
    {"instruction": "Stay silent", "input": "", "output": ""},
]
KEEP_ALL: dict[str, Any] = {"checks": []}
DROP_EMPTY = {"checks": [{"check": "min_length", "name": "empty", "field": "response"}]}


def _curate(tmp_path: Path, name: str, rules: dict[str, Any], rows: list[dict[str, str]] = ROWS) -> Path:
    corpus = tmp_path / "rows.jsonl"
    corpus.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    run = tmp_path / name
    run_curate([corpus], parse_rules(rules), run, cache_dir=tmp_path / "cache")
    return run


def _run_id(run: Path) -> str:
    run_id: str = json.loads((run / "stats.json").read_text(encoding="utf-8"))["run"]["id"]
    return run_id


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_every_file_names_the_run(tmp_path: Path) -> None:
    run = _curate(tmp_path, "run", DROP_EMPTY)
    stats = json.loads((run / "stats.json").read_text(encoding="utf-8"))
    run_id, digests = stats["run"]["id"], stats["run"]["xxh3"]
    assert sorted(stats["run"]) == ["id", "xxh3"]
    assert digests == {
        "kept.parquet": run_folder.file_xxh3(run / "kept.parquet"),
        "quarantine.jsonl": run_folder.file_xxh3(run / "quarantine.jsonl"),
    }
    kept_digest = digests["kept.parquet"]
    for name in ("rows.parquet", "dropped.parquet"):
        metadata = pl.read_parquet_metadata(run / name)
        assert (metadata["winnow.run_id"], metadata["winnow.kept_xxh3"]) == (run_id, kept_digest)
    first_line = (run / "rules.resolved.yaml").read_text(encoding="utf-8").split("\n")[0]
    assert first_line == f"# winnow run {run_id}, kept.parquet xxh3 {kept_digest}"
    assert check_run_folder(run) == run_folder.RunFolder(run, run_id, kept_digest)
    # kept.parquet holds no id: the same kept rows give the same bytes (what `winnow run` and shard key on)
    again = _curate(tmp_path, "again", DROP_EMPTY)
    assert _run_id(again) != run_id
    assert (again / "kept.parquet").read_bytes() == (run / "kept.parquet").read_bytes()
    assert (again / "rows.parquet").read_bytes() != (run / "rows.parquet").read_bytes()


def test_export_and_shard_refuse_a_folder_mixing_two_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # what a winnow that wrote file by file left when killed after rows.parquet and kept.parquet
    old, new = _curate(tmp_path, "old", KEEP_ALL), _curate(tmp_path, "new", DROP_EMPTY)
    mixed = tmp_path / "mixed"
    shutil.copytree(old, mixed)
    for name in ("rows.parquet", "kept.parquet"):
        shutil.copy2(new / name, mixed / name)
    message = (
        f"{mixed} does not hold one curate run: stats.json is from run {_run_id(old)}; "
        f"rows.parquet is from run {_run_id(new)}; kept.parquet is not the one run {_run_id(old)} wrote"
    )
    hint = (
        "a run killed while writing it (or stopped by a full disk) with a winnow that wrote file by file, "
        f"or files copied in by hand; re-run `winnow curate INPUT... --rules FILE -o {mixed}`"
    )
    with pytest.raises(RunFolderError) as refused:
        export_run(mixed, tmp_path / "out", format="alpaca")
    assert (refused.value.message, refused.value.hint) == (message, hint)
    assert not (tmp_path / "out").exists()
    with pytest.raises(RunFolderError) as refused:
        shard_run(mixed, tmp_path / "no-tokenizer", tmp_path / "shards", ShardSettings(max_len=128))
    assert (refused.value.message, refused.value.hint) == (message, hint)
    assert not (tmp_path / "shards").exists()

    assert main(["export", str(mixed), "--format", "alpaca", "-o", str(tmp_path / "out")]) == 2
    assert f"re-run `winnow curate INPUT... --rules FILE -o {mixed}`" in capsys.readouterr().err.replace(
        "\n", ""
    )


def test_a_folder_from_a_winnow_without_run_ids_is_refused(tmp_path: Path) -> None:
    run = _curate(tmp_path, "run", KEEP_ALL)
    stats = json.loads((run / "stats.json").read_text(encoding="utf-8"))
    del stats["run"]
    (run / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    with pytest.raises(RunFolderError) as refused:
        check_run_folder(run)
    assert refused.value.message == f"{run} does not hold one curate run: stats.json names no run"
    (run / "stats.json").unlink()
    with pytest.raises(RunFolderError) as refused:
        check_run_folder(run)
    assert refused.value.message == f"{run} does not hold one curate run: stats.json is missing"


def test_kept_rows_alone_are_accepted(tmp_path: Path) -> None:
    run = _curate(tmp_path, "run", KEEP_ALL)
    for name in RUN_FILES:
        if name != "kept.parquet":
            (run / name).unlink()
    checked = check_run_folder(run)
    assert (checked.run_id, checked.kept_xxh3) == (None, run_folder.file_xxh3(run / "kept.parquet"))
    assert [s.report.rows_written for s in export_run(run, tmp_path / "out", format="alpaca").splits] == [2]


def _failing_write(monkeypatch: pytest.MonkeyPatch, file_name: str, error: BaseException) -> None:
    real = run_folder.write_parquet

    def write(path: Path, frame: pl.DataFrame, *args: Any, **kwargs: Any) -> None:
        if Path(path).name == file_name:
            raise error
        real(path, frame, *args, **kwargs)

    monkeypatch.setattr(run_folder, "write_parquet", write)


def test_a_run_stopped_while_writing_leaves_the_previous_folder_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _curate(tmp_path, "run", KEEP_ALL)
    before = _bytes(run)
    _failing_write(monkeypatch, "dropped.parquet", KeyboardInterrupt())  # rows and kept are written by then
    with pytest.raises(KeyboardInterrupt):
        _curate(tmp_path, "run", DROP_EMPTY)
    assert _bytes(run) == before
    assert check_run_folder(run).run_id == json.loads(before["stats.json"])["run"]["id"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "rows.jsonl", "run"]  # no staging folder


def test_a_full_disk_leaves_the_previous_folder_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _curate(tmp_path, "run", KEEP_ALL)
    before = _bytes(run)
    _failing_write(monkeypatch, "rows.parquet", OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(WinnowError) as stopped:
        _curate(tmp_path, "run", DROP_EMPTY)
    assert (
        stopped.value.message
        == f"no space left on the device while writing {run}; it is left as it was before"
    )
    assert stopped.value.exit_code == 1
    assert _bytes(run) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "rows.jsonl", "run"]


def test_a_rerun_keeps_the_previous_snapshot_and_a_persons_files(tmp_path: Path) -> None:
    corpus = tmp_path / "rows.jsonl"
    corpus.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("checks: []\n", encoding="utf-8")
    run = tmp_path / "run"
    argv = ["curate", str(corpus), "--rules", str(rules), "-o", str(run)]
    assert main(argv) == 0
    first = _bytes(run)
    (run / "notes.txt").write_text("mine", encoding="utf-8")
    rules.write_text("checks:\n  - {check: min_length, name: empty, field: response}\n", encoding="utf-8")
    assert main(argv) == 0
    assert sorted(p.name for p in run.iterdir()) == sorted(
        [*RUN_FILES, "notes.txt", "previous", "report.html"]
    )
    assert (run / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert _bytes(run / "previous") == {
        name: first[name] for name in ("rows.parquet", "rules.resolved.yaml", "stats.json")
    }
    report = (run / "report.html").read_text(encoding="utf-8")
    assert f"Compared with {run / 'previous'}" in report
    assert check_run_folder(run).run_id == _run_id(run) != json.loads(first["stats.json"])["run"]["id"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.name != ".winnow-cache"] == []

    assert main([*argv, "--no-report"]) == 0  # the last run's report describes another run: not carried over
    assert "report.html" not in {p.name for p in run.iterdir()}


def test_rule_file_of_a_run_still_loads(tmp_path: Path) -> None:
    run = _curate(tmp_path, "run", DROP_EMPTY)
    from winnow.curation.rulefile.load import load_rule_file

    resolved = load_rule_file(run / "rules.resolved.yaml")
    assert isinstance(resolved, RuleFile)
    assert [r.name for r in resolved.sections["checks"].rules] == ["empty"]


NEAR_PAIRS = {"dedup": {"key": "response", "exact": False, "near": {"threshold": 0.5, "report_pairs": True}}}


def test_the_dedup_pair_list_belongs_to_its_run(tmp_path: Path) -> None:
    assert run_folder.PAIRS == PAIRS_FILE
    rows = [*ROWS, {"instruction": "Name a colour again", "input": "", "output": "Blue."}]
    run = _curate(tmp_path, "run", NEAR_PAIRS, rows)
    pairs = run / PAIRS_FILE
    listed = pairs.read_bytes()
    assert pl.read_parquet(pairs).height == 1
    stats = json.loads((run / "stats.json").read_text(encoding="utf-8"))
    assert stats["run"]["xxh3"][PAIRS_FILE] == run_folder.file_xxh3(pairs)
    assert check_run_folder(run).run_id == stats["run"]["id"]

    _curate(tmp_path, "run", KEEP_ALL, rows)  # a run without a dedup section: the new folder holds none
    assert not pairs.exists()
    _curate(tmp_path, "run", NEAR_PAIRS, rows)
    no_pairs = {"dedup": {**NEAR_PAIRS["dedup"], "near": {"threshold": 0.5}}}
    _curate(tmp_path, "run", no_pairs, rows)  # dedup without report_pairs: the older list is not carried over
    assert not pairs.exists()
    assert (
        "dup_pairs.parquet" not in json.loads((run / "stats.json").read_text(encoding="utf-8"))["run"]["xxh3"]
    )
    pairs.write_bytes(listed)  # a pair list copied in beside the last run's files
    with pytest.raises(RunFolderError) as refused:
        check_run_folder(run)
    assert refused.value.message == (
        f"{run} does not hold one curate run: stats.json is from run {_run_id(run)}; "
        f"dup_pairs.parquet is not from run {_run_id(run)}"
    )


@pytest.mark.parametrize("before", [KEEP_ALL, NEAR_PAIRS], ids=["no-pairs-before", "pairs-before"])
@pytest.mark.parametrize(
    "stop",
    ["after-dedup", "writing-pairs", "writing-stats"],
)
def test_a_run_with_pairs_stopped_before_the_swap_leaves_the_old_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: dict[str, Any], stop: str
) -> None:
    """The pair list is written into the staging folder with the run files: a run stopped after its dedup
    stage (a later stage failing, a kill while the folder is written) leaves the old folder byte for byte."""
    rows = [*ROWS, {"instruction": "Name a colour again", "input": "", "output": "Blue."}]
    run = _curate(tmp_path, "run", before, rows)
    old = _bytes(run)
    assert ("dup_pairs.parquet" in old) == (before is NEAR_PAIRS)
    if stop == "after-dedup":  # the stage after dedup fails: the pair list exists only in memory
        from winnow.curation import stages

        tasks = stages._STAGES["tasks"]

        def failing(frame: pl.DataFrame, rules: Any, ctx: Any) -> pl.DataFrame:
            assert set(ctx.tables) == {PAIRS_FILE}
            raise KeyboardInterrupt

        monkeypatch.setitem(stages._STAGES, "tasks", stages.Stage(tasks.name, tasks.order, failing))
    else:
        _failing_write(monkeypatch, PAIRS_FILE if stop == "writing-pairs" else "never", KeyboardInterrupt())
        if stop == "writing-stats":
            monkeypatch.setattr(run_folder, "write_json", _raise_keyboard_interrupt)
    with pytest.raises(KeyboardInterrupt):
        _curate(tmp_path, "run", NEAR_PAIRS, rows)
    assert _bytes(run) == old
    assert check_run_folder(run).run_id == json.loads(old["stats.json"])["run"]["id"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging folder


def _raise_keyboard_interrupt(*args: Any, **kwargs: Any) -> None:
    raise KeyboardInterrupt
