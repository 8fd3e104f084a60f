"""Input kinds: JSON, JSONL, Parquet, save_to_disk folders, plain text, folders, globs, registry references;
and stable ids."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from winnow.curation.errors import UsageError
from winnow.curation.io.read import read_corpus
from winnow.curation.rulefile.load import parse_rules
from winnow.curation.run_curate import run_curate

ROWS = [
    {"instruction": "q1", "input": "", "output": "a1"},
    {"instruction": "q2", "input": "i", "output": "a2"},
]


def messages_of(result: object) -> list[object]:
    return result.records["messages"].to_list()  # type: ignore[attr-defined]


def test_parquet_reads_like_json(tmp_path: Path) -> None:
    pl.DataFrame(ROWS).write_parquet(tmp_path / "rows.parquet")
    (tmp_path / "rows.json").write_text(json.dumps(ROWS))
    parquet = read_corpus([tmp_path / "rows.parquet"])
    as_json = read_corpus([tmp_path / "rows.json"])
    assert messages_of(parquet) == messages_of(as_json)
    assert parquet.records["line"].to_list() == [0, 1]


def test_hf_save_to_disk_folder(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    folder = tmp_path / "saved"
    datasets.Dataset.from_list(ROWS).save_to_disk(str(folder))
    result = read_corpus([folder])
    assert result.formats == {str(folder): {"alpaca": 2}}
    dict_folder = tmp_path / "saved_dict"
    datasets.DatasetDict({"train": datasets.Dataset.from_list(ROWS)}).save_to_disk(str(dict_folder))
    assert read_corpus([dict_folder]).formats == {f"{dict_folder}/train": {"alpaca": 2}}


def test_txt_is_one_document_per_line(tmp_path: Path) -> None:
    path = tmp_path / "docs.txt"
    path.write_bytes(b"first doc\n\nsecond \xff doc\r\nthird\n")
    result = read_corpus([path])
    assert result.records.select("line", "text").rows() == [(1, "first doc"), (4, "third")]
    assert result.quarantine.select("line", "error").rows() == [(3, "not valid UTF-8 (byte 7)")]
    with pytest.raises(UsageError, match="holds pretrain text"):
        read_corpus([path], format="alpaca")


def test_folders_and_globs_expand_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.jsonl").write_text(json.dumps(ROWS[0]) + "\n")
    (tmp_path / "b" / "c.json").write_text(json.dumps(ROWS))
    (tmp_path / "notes.md").write_text("ignored")
    by_folder = read_corpus([tmp_path])
    assert list(by_folder.formats) == [str(tmp_path / "a.jsonl"), str(tmp_path / "b" / "c.json")]
    by_glob = read_corpus([str(tmp_path / "**" / "*.json*")])
    assert by_glob.rows_read == 3


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (["missing.jsonl"], "no such file or folder: missing.jsonl"),
        (["nothing-*.jsonl"], "no file matches 'nothing-*.jsonl'"),
    ],
)
def test_bad_inputs_are_usage_errors(inputs: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        read_corpus(inputs)
    assert caught.value.message == message


def test_registry_errors_say_what_to_do(tmp_path: Path) -> None:
    registry = tmp_path / "dataset_info.json"
    registry.write_text(
        json.dumps(
            {
                "hub": {"hf_hub_url": "org/data"},
                "pics": {
                    "file_name": "x.json",
                    "formatting": "sharegpt",
                    "columns": {"messages": "m", "images": "images"},
                },
                "mine": {
                    "file_name": "mine.jsonl",
                    "columns": {"prompt": "q", "response": "a", "system": "sys"},
                },
            }
        )
    )
    (tmp_path / "mine.jsonl").write_text(json.dumps({"q": "hi", "a": "yo", "sys": "s", "x": 1}) + "\n")
    with pytest.raises(UsageError, match="not a local file"):
        read_corpus([f"{registry}:hub"])
    with pytest.raises(UsageError, match="multimodal columns"):
        read_corpus([f"{registry}:pics"])
    with pytest.raises(UsageError, match="did you mean 'mine'"):
        read_corpus([f"{registry}:mina"])
    record = read_corpus([f"{registry}:mine"]).records.row(0, named=True)
    assert (record["system"], record["messages"][0]["content"], record["meta"]) == ("s", "hi", '{"x": 1}')
    assert record["source"] == f"mine:{tmp_path / 'mine.jsonl'}"


def test_ids_are_stable_content_based_and_unique(tmp_path: Path) -> None:
    rows = [ROWS[0], ROWS[1], ROWS[0]]
    (tmp_path / "one.json").write_text(json.dumps(rows))
    (tmp_path / "two.json").write_text(json.dumps(list(reversed(rows))))
    one = read_corpus([tmp_path / "one.json"]).records["id"]
    again = read_corpus([tmp_path / "one.json"]).records["id"]
    assert one.to_list() == again.to_list()
    assert one[2] == f"{one[0]}-1"
    assert len(one[0]) == 24
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "one.json").write_text(json.dumps([ROWS[1]]))
    moved = read_corpus([tmp_path / "sub" / "one.json"]).records["id"]
    assert moved[0] == one[1]  # same base name + same content = same id, wherever the file lives


def test_content_key_is_the_same_whatever_the_other_rows_look_like() -> None:
    from winnow.curation.io.ids import content_key
    from winnow.curation.record import frame_from_rows

    pair = {
        "kind": "sft",
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
    }
    alone = content_key(frame_from_rows([pair]))
    mixed = content_key(frame_from_rows([pair, {"kind": "pretrain", "text": "t"}]))
    assert alone[0] == mixed[0]
    assert alone[0].endswith("user\x1eq\x1dassistant\x1ea")


def test_bare_message_lists_are_detected_in_a_fresh_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "bare.jsonl"
    path.write_text(
        json.dumps([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]) + "\n"
    )
    code = f"from winnow.curation.io.read import read_corpus; print(read_corpus([{str(path)!r}]).formats)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == repr({str(path): {"messages": 1}})


def test_a_run_folders_ledger_is_refused_with_the_files_that_hold_the_rows(tmp_path: Path) -> None:
    corpus = tmp_path / "rows.jsonl"
    corpus.write_text('{"instruction": "Say hi", "output": "Hi!"}\n', encoding="utf-8")
    run = tmp_path / "run"
    run_curate([corpus], parse_rules({}), run, cache_dir=tmp_path / "cache")
    with pytest.raises(UsageError, match="is the ledger of a `winnow curate` run") as raised:
        read_corpus([run / "rows.parquet"])
    assert (
        raised.value.hint
        == f"read the rows from {run / 'kept.parquet'} (kept) or {run / 'dropped.parquet'} (dropped)"
    )
    assert read_corpus([run / "kept.parquet"]).records["messages"].to_list() == [
        [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "Hi!"}]
    ]
