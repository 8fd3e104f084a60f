"""winnow export: every format round-trips through read_corpus, repeats expand in train only, registry works."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from winnow.curation.cli.main import main
from winnow.curation.errors import UsageError
from winnow.curation.export.run import ExportError, expand_repeats, export_run
from winnow.curation.formats.registry import all_formats
from winnow.curation.io.read import read_corpus
from winnow.curation.ledger import with_ledger
from winnow.curation.record import frame_from_rows


def _msgs(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in pairs]


ROWS = [
    # train: sft with system + input (3 copies), multi-turn sft, preference, kto, pretrain
    {
        "id": "s1",
        "kind": "sft",
        "system": "Be brief.",
        "input": "2 + 2",
        "task": "math",
        "split": "train",
        "repeats": 3,
        "messages": _msgs(("user", "Add the numbers."), ("assistant", "4")),
    },
    {
        "id": "s2",
        "kind": "sft",
        "task": "multi_turn_chat",
        "split": "train",
        "repeats": 1,
        "messages": _msgs(
            ("user", "Hi"), ("assistant", "Hello!"), ("user", "Name a colour."), ("assistant", "Blue.")
        ),
    },
    {
        "id": "p1",
        "kind": "preference",
        "task": "open_qa",
        "split": "train",
        "repeats": 1,
        "messages": _msgs(("user", "Why is the sky blue?")),
        "chosen": "Rayleigh scattering.",
        "rejected": "Paint.",
    },
    {
        "id": "k1",
        "kind": "kto",
        "task": "open_qa",
        "split": "train",
        "repeats": 1,
        "label": False,
        "messages": _msgs(("user", "Capital of France?"), ("assistant", "Berlin.")),
    },
    {
        "id": "t1",
        "kind": "pretrain",
        "task": "other",
        "split": "train",
        "repeats": 1,
        "text": "Once upon a time.",
    },
    # val: a tool-calling conversation; test: a plain sft row, repeats ignored outside train
    {
        "id": "s3",
        "kind": "sft",
        "task": "tool_use",
        "split": "val",
        "repeats": 1,
        "tools": '[{"name": "weather", "parameters": {"type": "object"}}]',
        "messages": _msgs(
            ("user", "Weather in Oslo?"),
            ("tool_call", '{"name": "weather", "arguments": {"city": "Oslo"}}'),
            ("tool", '{"temp": 3}'),
            ("assistant", "3 degrees."),
        ),
    },
    {
        "id": "s4",
        "kind": "sft",
        "task": "creative_writing",
        "split": "test",
        "repeats": 2,
        "messages": _msgs(("user", "写一首诗"), ("assistant", "春眠不觉晓")),
    },
]


def _run_dir(tmp_path: Path, rows: list[dict] = ROWS, split: bool = True) -> Path:
    frame = frame_from_rows(rows).with_columns(
        pl.Series("split", [r.get("split") for r in rows], dtype=pl.String),
        pl.Series("repeats", [r.get("repeats", 1) for r in rows], dtype=pl.Int64),
    )
    frame = with_ledger(frame if split else frame.drop("split"))
    run = tmp_path / "run"
    run.mkdir()
    frame.write_parquet(run / "kept.parquet")
    return run


def test_expand_repeats_interleaves_copies() -> None:
    frame = pl.DataFrame({"id": ["a", "b", "c"], "repeats": [2, 1, 3]})
    assert expand_repeats(frame)["id"].to_list() == ["a", "b", "c", "a", "c", "c"]


FORMATS = [fmt.name for fmt in all_formats()]
# rows written per split (train copies: s1 x3, s2, p1, k1, t1; val: s3; test: s4 once) for each format
EXPECTED = {
    "alpaca": (4, 0, 1),  # no tools field; holds sft only
    "sharegpt": (4, 1, 1),
    "openai": (4, 1, 1),
    "llamafactory_v1": (4, 1, 1),
    "messages": (4, 0, 1),  # a bare list cannot keep tools
    "dolly": (0, 0, 1),  # no system field (s1), one exchange only (s2)
    "self_instruct": (0, 0, 1),
    "instruction_response": (3, 0, 1),  # has a system field, still one exchange only
    "input_target": (0, 0, 1),
    "preference_alpaca": (1, 0, 0),
    "preference_sharegpt": (1, 0, 0),
    "hh": (1, 0, 0),
    "kto": (1, 0, 0),
    "pretrain": (1, 0, 0),
}


@pytest.mark.parametrize("file_format", ["jsonl", "json"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips(tmp_path: Path, fmt: str, file_format: str) -> None:
    result = export_run(_run_dir(tmp_path), tmp_path / "out", format=fmt, file_format=file_format)
    written = {s.split: s.report.rows_written for s in result.splits}
    assert (written["train"], written["validation"], written["test"]) == EXPECTED[fmt]
    for split in result.splits:
        assert split.verification.ok
        assert split.report.rows_written + split.report.rows_dropped == split.copies
        assert split.verification.matched == split.report.rows_written
    assert [s.copies for s in result.splits] == [7, 1, 1]
    summary = json.loads((tmp_path / "out" / "export.json").read_text())
    assert summary["ok"] is True


def test_dataset_info_is_readable_as_llama_factory_registry(tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_run(_run_dir(tmp_path), out, format="sharegpt")
    info = json.loads((out / "dataset_info.json").read_text())
    assert info["winnow_train"] == {
        "file_name": "train.jsonl",
        "formatting": "sharegpt",
        "columns": {"messages": "conversations", "system": "system"},
        "tags": {
            "role_tag": "from",
            "content_tag": "value",
            "user_tag": "human",
            "assistant_tag": "gpt",
            "observation_tag": "observation",
            "function_tag": "function_call",
            "system_tag": "system",
        },
    }
    assert info["winnow_validation"]["columns"] == {"messages": "conversations", "tools": "tools"}
    through_registry = read_corpus([f"{out / 'dataset_info.json'}:winnow_validation"])
    assert through_registry.quarantine.height == 0
    roles = through_registry.records["messages"][0].struct.field("role").to_list()
    assert roles == ["user", "tool_call", "tool", "assistant"]


def test_alpaca_registry_and_hf_dataset(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = export_run(_run_dir(tmp_path), out, format="alpaca", hf=True)
    info = json.loads((out / "dataset_info.json").read_text())
    assert info["winnow_train"]["columns"] == {
        "prompt": "instruction",
        "query": "input",
        "response": "output",
        "system": "system",
        "history": "history",
    }
    assert "winnow_validation" not in info  # nothing in validation can be alpaca
    import datasets

    loaded = datasets.load_from_disk(str(out / "hf"))
    assert {name: len(part) for name, part in loaded.items()} == {"train": 4, "test": 1}
    assert all(check.ok for check in result.hf_checks)


def test_no_split_column_exports_everything_as_train(tmp_path: Path) -> None:
    result = export_run(_run_dir(tmp_path, split=False), tmp_path / "out", format="openai")
    assert [s.split for s in result.splits] == ["train"]
    assert result.splits[0].copies == 10  # repeats expanded: 3 + 1 + 1 + 1 + 1 + 1 + 2
    assert "no split column: every kept row is exported as train" in result.notes


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a run folder"):
        export_run(tmp_path, tmp_path / "out", format="alpaca")
    run = _run_dir(tmp_path, rows=[r for r in ROWS if r["kind"] == "sft"])
    with pytest.raises(ExportError, match="no kept row can be written as pretrain"):
        export_run(run, tmp_path / "out", format="pretrain")
    with pytest.raises(UsageError, match="unknown format"):
        export_run(run, tmp_path / "out", format="alpacca")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _run_dir(tmp_path)
    assert (
        main(["export", str(run), "--format", "sharegpt", "--file-format", "json", "-o", str(tmp_path / "o")])
        == 0
    )
    err = capsys.readouterr().err
    assert "ok: every exported file read back equal to the canonical rows" in err
    assert (tmp_path / "o" / "train.json").is_file()
    assert main(["export", str(run), "--format", "nope", "-o", str(tmp_path / "p")]) == 2


def test_an_outdir_holding_other_files_is_not_replaced(tmp_path: Path) -> None:
    # an export replaces its whole folder (it appears whole or not at all): never a folder with other files
    run, out = _run_dir(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "train.jsonl").write_text("{}\n", encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        export_run(run, out, format="sharegpt")
    assert refused.value.message == (
        f"{out} holds files a winnow export does not write (notes.txt); refusing to replace it"
    )
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "train.jsonl"]
    (out / "notes.txt").unlink()  # what an export writes (a crashed one left train.jsonl alone) is replaced
    export_run(run, out, format="sharegpt")
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "dataset_info.json",
        "export.json",
        "test.jsonl",
        "train.jsonl",
        "validation.jsonl",
    ]
