"""Every instruction, preference, KTO and text file in ../shared/data: read with the right format, with
no quarantine except the rows that really are bad (listed here), then converted to every other format that
can hold its rows and read back to the same records."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import shared_path
from polars.testing import assert_frame_equal

from winnow.curation.formats.registry import all_formats
from winnow.curation.io.read import read_corpus
from winnow.curation.io.write import write_records
from winnow.curation.record import CONTENT_COLUMNS

CONTENT = list(CONTENT_COLUMNS)
EMPTY = "output: empty turn (blank text)"

# file -> (format, rows accepted, {line: error} of the real bad rows)
REAL = {
    "alpaca_chinese_carbonz0/zh-data-part-00.json": (
        "alpaca",
        10015,
        {284: EMPTY, 1223: EMPTY, 1347: EMPTY, 1736: EMPTY, 7723: EMPTY, 9038: EMPTY},
    ),
    "alpaca_chinese_carbonz0/zh-data-part-01.json": (
        "alpaca",
        10439,
        {1269: EMPTY, 1361: EMPTY, 1477: EMPTY, 4640: EMPTY, 5021: EMPTY},
    ),
    "alpaca_data_cleaned/gpteacher_roleplay_deduped.json": ("alpaca", 3146, {}),
    "alpaca_data_cleaned/gpteacher_toolformer_dedupe_only.json": ("alpaca", 7673, {}),
    "alpaca_data_cleaned/gpteacher_toolformer_similarity_0.6.json": ("alpaca", 2396, {}),
    "alpaca_data_cleaned/gpteacher_toolformer_similarity_0.9.json": ("alpaca", 5959, {}),
    "alpaca_data_cleaned/gsm_8k_train.json": ("alpaca", 7473, {}),
    "codealpaca/code_alpaca_2k.json": ("alpaca", 2015, {237: EMPTY, 1859: EMPTY}),
    "codealpaca/new_codealpaca.json": ("alpaca", 4535, {}),
    "fastchat/dummy_conversation.json": ("sharegpt", 500, {}),
    "llama_factory_demo/alpaca_en_demo.json": ("alpaca", 999, {}),
    "llama_factory_demo/alpaca_zh_demo.json": ("alpaca", 1000, {}),
    "llama_factory_demo/identity.json": ("alpaca", 91, {}),
    "llama_factory_demo/c4_demo.jsonl": ("pretrain", 300, {}),
    "llama_factory_demo/wiki_demo.txt": ("pretrain", 30, {}),
    "llama_factory_demo/dpo_en_demo.json": ("preference_sharegpt", 300, {}),
    "llama_factory_demo/dpo_zh_demo.json": ("preference_sharegpt", 300, {}),
    "llama_factory_demo/glaive_toolcall_en_demo.json": ("sharegpt", 300, {}),
    "llama_factory_demo/glaive_toolcall_zh_demo.json": ("sharegpt", 300, {}),
    "llama_factory_demo/kto_en_demo.json": ("kto", 300, {}),
    "llama_factory_demo/v1_sft_demo.jsonl": ("llamafactory_v1", 500, {}),
    "self_instruct/seed_tasks.jsonl": ("self_instruct", 175, {}),
    "self_instruct/user_oriented_instructions.jsonl": ("self_instruct", 252, {}),
    "self_instruct/predictions/davinci_predictions.jsonl": ("instruction_response", 252, {}),
    "self_instruct/predictions/text-davinci-003_predictions.jsonl": ("instruction_response", 252, {}),
    "self_instruct/predictions/davinci-superni-ft_predictions.jsonl": (
        "instruction_response",
        251,
        {127: "response: empty turn (blank text)"},
    ),
}
ALTERNATE = "turns must alternate"
HH_BAD = {
    87: "chosen (turn 4): empty turn (blank text)",
    517: "chosen (turn 2): empty turn (blank text)",
    668: f"chosen: turn 5 is assistant, expected user ({ALTERNATE})",
    764: f"chosen: turn 3 is assistant, expected user ({ALTERNATE})",
    926: "chosen (turn 2): empty turn (blank text)",
    1104: "chosen (turn 2): empty turn (blank text)",
    1255: f"chosen: turn 5 is assistant, expected user ({ALTERNATE})",
    1320: f"chosen: turn 9 is assistant, expected user ({ALTERNATE})",
    1689: f"chosen: turn 5 is assistant, expected user ({ALTERNATE})",
    1850: f"chosen: turn 5 is assistant, expected user ({ALTERNATE})",
    1951: f"rejected: turn 3 is assistant, expected user ({ALTERNATE})",
    1953: f"chosen: turn 5 is assistant, expected user ({ALTERNATE})",
    2037: f"chosen: turn 11 is assistant, expected user ({ALTERNATE})",
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_file_reads_with_its_format(name: str) -> None:
    path = shared_path(*name.split("/"))
    fmt, accepted, bad = REAL[name]
    result = read_corpus([path])
    assert result.formats == {str(path): {fmt: accepted}}
    got = {row["line"]: row["error"].split(": ", 1)[1] for row in result.quarantine.iter_rows(named=True)}
    assert got == bad
    assert result.rows_read == accepted + len(bad)


def test_hh_rlhf_real_bad_rows_are_listed() -> None:
    path = shared_path("hh_rlhf", "harmless_base_test.jsonl")
    result = read_corpus([path])
    assert result.formats == {str(path): {"hh": 2312 - len(HH_BAD)}}
    got = {row["line"]: row["error"].removeprefix("hh: ") for row in result.quarantine.iter_rows(named=True)}
    assert got == HH_BAD
    assert result.rows_read == 2312


def test_eval_question_files_without_answers_are_not_training_data() -> None:
    path = shared_path("fastchat", "vicuna_bench_question.jsonl")
    result = read_corpus([path])
    assert result.records.height == 0
    assert result.quarantine["error"][0] == (
        "no supported format has the keys [category, question_id, turns]; nearest is dolly, which needs instruction, response"
    )


def test_llama_factory_registry_reads_by_name() -> None:
    registry = shared_path("llama_factory_demo", "dataset_info.json")
    names = [
        "alpaca_zh_demo",
        "glaive_toolcall_en_demo",
        "dpo_en_demo",
        "kto_en_demo",
        "c4_demo",
        "wiki_demo",
        "identity",
    ]
    result = read_corpus([f"{registry}:{name}" for name in names])
    counts = {source.split(":", 1)[0]: counts for source, counts in result.formats.items()}
    assert counts == {
        "alpaca_zh_demo": {"alpaca": 1000},
        "glaive_toolcall_en_demo": {"sharegpt": 300},
        "dpo_en_demo": {"preference_sharegpt": 300},
        "kto_en_demo": {"kto": 300},
        "c4_demo": {"pretrain": 300},
        "wiki_demo": {"pretrain": 30},
        "identity": {"alpaca": 91},
    }
    assert result.quarantine.height == 0
    direct = read_corpus([registry.parent / "kto_en_demo.json"])
    assert_frame_equal(
        result.records.filter(pl.col("kind") == "kto").select(CONTENT), direct.records.select(CONTENT)
    )


CONVERT = [
    "llama_factory_demo/alpaca_en_demo.json",
    "fastchat/dummy_conversation.json",
    "llama_factory_demo/glaive_toolcall_en_demo.json",
    "llama_factory_demo/dpo_en_demo.json",
    "llama_factory_demo/kto_en_demo.json",
    "llama_factory_demo/c4_demo.jsonl",
    "self_instruct/seed_tasks.jsonl",
    "llama_factory_demo/v1_sft_demo.jsonl",
    "hh_rlhf/harmless_base_test.jsonl",
    "self_instruct/predictions/davinci_predictions.jsonl",
]


@pytest.mark.parametrize("name", CONVERT)
def test_real_file_converts_to_every_format_that_holds_it_and_back(name: str, tmp_path: Path) -> None:
    source = read_corpus([shared_path(*name.split("/"))]).records
    exact = 0
    for fmt in all_formats():
        out = tmp_path / f"{fmt.name}.jsonl"
        report = write_records(source, out, format=fmt.name)
        assert report.rows_written + report.rows_dropped == source.height
        if report.rows_written == 0:
            continue
        back = read_corpus([out], format=fmt.name)
        assert back.quarantine.height == 0, (fmt.name, back.quarantine.head(3).rows())
        assert back.records.height == report.rows_written
        if report.rows_written == source.height and not report.notes and not report.lost_fields:
            assert_frame_equal(back.records.select(CONTENT), source.select(CONTENT))
            exact += 1
    assert exact >= 1  # at least its own format round-trips exactly
