"""The read-back check catches a tampered export; content keys ignore how a format lays a row out."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from winnow.curation.export.llama_factory import dataset_info_entry
from winnow.curation.export.verify import content_key, content_keys, verify_file
from winnow.curation.io.write import WriteReport, write_records
from winnow.curation.record import frame_from_rows

ROWS = [
    {
        "id": "a",
        "kind": "sft",
        "system": "Be brief.",
        "input": "2 + 2",
        "messages": [{"role": "user", "content": "Add."}, {"role": "assistant", "content": "4"}],
    },
    {
        "id": "b",
        "kind": "sft",
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}],
    },
]


def test_content_key_merges_input_like_a_chat_template() -> None:
    separate = dict(ROWS[0])
    merged = {
        **ROWS[0],
        "input": None,
        "messages": [{"role": "user", "content": "Add.\n2 + 2"}, {"role": "assistant", "content": "4"}],
    }
    assert content_key(separate) == content_key(merged)
    assert content_key(separate) != content_key({**separate, "system": None})


def test_tampered_file_fails_the_check(tmp_path: Path) -> None:
    frame = frame_from_rows(ROWS)
    path = tmp_path / "train.jsonl"
    report = write_records(frame, path, format="alpaca")
    expected = content_keys(frame)
    assert verify_file(expected, path, "alpaca", report).ok
    path.write_text(path.read_text(encoding="utf-8").replace('"Yo"', '"Yo!"'), encoding="utf-8")
    check = verify_file(expected, path, "alpaca", report)
    assert check.problems == [
        f"{path}: 1 rows read back differ from every canonical row (the writer reported 0 rows written with a part missing)"
    ]
    short = WriteReport(rows_written=3, dropped={})
    assert verify_file(Counter(expected), tmp_path / "train.jsonl", "alpaca", short).problems[0] == (
        f"{path}: wrote 3 rows but read back 2"
    )


def test_registry_entries() -> None:
    entry, why = dataset_info_entry("kto", "train.jsonl", {"messages", "label"})
    assert why is None
    assert entry == {
        "file_name": "train.jsonl",
        "formatting": "sharegpt",
        "columns": {"messages": "messages", "kto_tag": "label"},
        "tags": {
            "role_tag": "role",
            "content_tag": "content",
            "user_tag": "user",
            "assistant_tag": "assistant",
            "observation_tag": "tool",
            "system_tag": "system",
        },
    }
    entry, _ = dataset_info_entry("preference_alpaca", "t.json", {"instruction", "chosen", "rejected"})
    assert entry == {
        "file_name": "t.json",
        "formatting": "alpaca",
        "ranking": True,
        "columns": {"prompt": "instruction", "chosen": "chosen", "rejected": "rejected"},
    }
    assert dataset_info_entry("hh", "t.jsonl", {"chosen"})[0] is None
    assert "bare list" in (dataset_info_entry("messages", "t.jsonl", set())[1] or "")
