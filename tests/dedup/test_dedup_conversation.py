"""The default dedup key is the whole exchange (copies of the pair go, several answers to one prompt stay);
prompt keys with max_per_prompt keep K answers per prompt. Real rows: 8 models x 252 self-instruct prompts."""

from __future__ import annotations

import glob

import polars as pl
import pytest

from tests.conftest import shared_path
from tests.dedup.test_dedup_find import sft
from winnow.curation.dedup.config import DedupConfig, NearConfig
from winnow.curation.dedup.find import find_duplicates
from winnow.curation.dedup.normalize import conversation_parts, key_expr, normalized
from winnow.curation.dedup.section import parse_dedup
from winnow.curation.dedup.stage import dedup_stage
from winnow.curation.io.read import read_corpus
from winnow.curation.ledger import counts_by_reason, with_ledger
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems
from winnow.curation.stages import StageContext

# a long prompt, answered by several models with short, different replies
PROMPT = (
    "Classify the sentiment of the following product review as positive, negative or neutral, and answer "
    "with one word only. Review: The battery lasts two days, the screen is bright and the price was fair."
)


def parts(rows: list[dict[str, object]]) -> list[tuple[str | None, str | None]]:
    prompt, reply = conversation_parts()
    return frame_from_rows(rows).select(prompt.alias("p"), reply.alias("r")).rows()


def test_conversation_parts_leave_the_system_prompt_out_and_put_the_input_in_the_prompt() -> None:
    chat = {
        **sft(0, "q2"),
        "system": "You are a helpful assistant.",
        "input": "INPUT",
        "messages": [
            {"role": "user", "content": "q1"},
            {"role": "assistant", "content": "a1"},
            {"role": "user", "content": "q2"},
            {"role": "assistant", "content": "a2"},
        ],
    }
    preference = {
        "id": "p",
        "source": "s",
        "line": 1,
        "kind": "preference",
        "messages": [{"role": "user", "content": "q"}],
        "chosen": "good",
        "rejected": "bad",
    }
    pretrain = {"id": "t", "source": "s", "line": 2, "kind": "pretrain", "text": "plain text"}
    assert parts([chat, preference, pretrain]) == [
        ("q1\na1\nq2\nINPUT", "a2"),
        ("q", "good\nbad"),
        (None, "plain text"),
    ]
    keys = frame_from_rows([chat, pretrain]).select(key_expr("conversation")).to_series().to_list()
    assert keys == ["q1\na1\nq2\nINPUT\na2", "plain text"]


def test_default_key_keeps_every_answer_to_one_prompt_and_drops_copies_of_the_pair() -> None:
    assert DedupConfig().key == "conversation"
    frame = frame_from_rows(
        [
            sft(0, PROMPT, "Positive"),
            sft(1, PROMPT, "Negative"),
            sft(2, PROMPT, "Neutral"),
            sft(3, PROMPT, "positive"),  # the same pair up to case: a copy
            # the system prompt is not compared
            sft(4, PROMPT, "Positive.", system="You are a helpful assistant."),
            sft(5, PROMPT + " Thanks!", "Positive"),  # one more word in the prompt: near in both parts
        ]
    )
    out, report = find_duplicates(frame, DedupConfig(keep="first_seen"), workers=1)
    assert out.select("id", "dup_kept_id", "dup_reason").rows() == [
        ("r0", None, None),
        ("r1", None, None),
        ("r2", None, None),
        ("r3", "r0", "exact_duplicate"),
        ("r4", "r0", "near_duplicate"),  # "positive." is "positive" to the punctuation-blind shingles
        ("r5", "r0", "near_duplicate"),
    ]
    # whole-text shingles alone would call the three answers one cluster: the prompt is most of each text
    assert report.stats["near"]["candidate_pairs"] >= 3
    assert report.stats["summary"].startswith("exact + MinHash LSH on conversation, 6 rows")


def test_a_pair_is_near_only_when_the_prompts_are_near_too() -> None:
    reply = "The Eiffel Tower is in Paris, France, and it was completed in 1889 for the World's Fair."
    frame = frame_from_rows(
        [sft(0, "Where is the Eiffel Tower?", reply), sft(1, "Tell me about a landmark in Europe.", reply)]
    )
    out, _ = find_duplicates(frame, DedupConfig(), workers=1)
    assert out["dup_reason"].to_list() == [None, None]


def test_max_per_prompt_keeps_k_answers_per_prompt_by_the_keep_policy() -> None:
    frame = frame_from_rows(
        [
            sft(0, PROMPT, "Positive"),
            sft(1, PROMPT, "It is a positive review."),
            sft(2, PROMPT, "Neutral, mostly"),
            sft(3, PROMPT, "The review is positive: battery, screen and price are all praised."),
            sft(4, "Name a prime number.", "7"),
        ]
    )
    config = DedupConfig(key="instruction", max_per_prompt=2, near=NearConfig(enabled=False))
    out, report = find_duplicates(frame, config, workers=1)
    assert out.select("id", "dup_cluster_size", "dup_kept_id", "dup_reason").rows() == [
        ("r0", 4, "r3", "max_per_prompt"),
        ("r1", 4, None, None),  # second longest reply
        ("r2", 4, "r3", "max_per_prompt"),
        ("r3", 4, None, None),  # longest reply
        ("r4", 1, None, None),
    ]
    assert report.stats["dropped"] == {"max_per_prompt": 2}
    ctx = StageContext(workers=1)
    ledger = dedup_stage(with_ledger(frame), {"dedup": config}, ctx)
    assert counts_by_reason(ledger) == {"max_per_prompt": 2}


def test_max_per_prompt_needs_a_prompt_key_and_a_kept_row() -> None:
    problems = Problems("rules.yaml")
    assert parse_dedup({"key": "instruction", "max_per_prompt": 3}, "dedup", problems) == DedupConfig(
        key="instruction", max_per_prompt=3
    )
    assert not problems
    parse_dedup({"max_per_prompt": 2}, "dedup", problems)
    parse_dedup({"key": "instruction", "max_per_prompt": 0}, "dedup", problems)
    parse_dedup({"key": "instruction", "max_per_prompt": 2, "keep": "drop_whole_cluster"}, "dedup", problems)
    parse_dedup({"key": "instruction", "max_per_prompt": "two"}, "dedup", problems)
    assert problems.items == [
        "dedup.max_per_prompt: caps rows per prompt: needs a prompt key (instruction, instruction_input, "
        "first_user_turn), not key: conversation",
        "dedup.max_per_prompt: must be at least 1, got 0",
        "dedup.max_per_prompt: keep: drop_whole_cluster keeps no row; max_per_prompt needs a keep policy",
        "dedup.max_per_prompt: must be an integer or null, got 'two'",
    ]


@pytest.fixture(scope="module")
def eight_models() -> pl.DataFrame:
    """8 models' answers to the 252 user-oriented self-instruct prompts. winnow reads each line as
    instruction + input + response (the instruction_response format); 51 of the 2,016 lines have an empty
    response and are quarantined, so 1,965 rows."""
    files = sorted(glob.glob(str(shared_path("self_instruct", "predictions") / "*.jsonl")))
    result = read_corpus(files)
    assert (len(files), result.records.height, result.quarantine.height) == (8, 1965, 51)
    return with_ledger(result.records)


def test_real_eight_models_default_key_drops_only_copies_of_the_pair(eight_models: pl.DataFrame) -> None:
    out, report = find_duplicates(eight_models, DedupConfig(), workers=1)
    assert report.stats["dropped"] == {"exact_duplicate": 187, "near_duplicate": 95}
    prompt, reply = conversation_parts()
    rows = out.with_columns(normalized(prompt).alias("p"), normalized(reply).alias("r"))
    by_id = {row["id"]: row for row in rows.iter_rows(named=True)}
    dropped = rows.filter(pl.col("dup_reason").is_not_null())
    for row in dropped.iter_rows(named=True):
        kept = by_id[row["dup_kept_id"]]
        assert row["p"] == kept["p"]  # every dropped row answers the same prompt as the row kept for it
        if row["dup_reason"] == "exact_duplicate":
            assert row["r"] == kept["r"]  # another model gave the same answer (up to case and spaces)
    # read by hand, the 95 near ones are the same answer with a word changed ("A number of papers" /
    # "A significant number of papers"), punctuation only ("Bonsoir" / "Bonsoir."), or one a prefix of
    # the other (the zinc answer cut after its second sentence)
    kept = rows.filter(pl.col("dup_reason").is_null())
    assert (kept.height, kept["p"].n_unique(), kept["r"].n_unique()) == (1683, 252, 1659)
    # the former default, the prompt alone, kept one answer per prompt: 87% of the corpus gone
    _, prompt_only = find_duplicates(eight_models, DedupConfig(key="instruction_input"), workers=1)
    assert prompt_only.stats["dropped"] == {"exact_duplicate": 1713}


def test_real_eight_models_max_per_prompt_keeps_two_per_instruction(eight_models: pl.DataFrame) -> None:
    config = DedupConfig(key="instruction", max_per_prompt=2)
    out, report = find_duplicates(eight_models, config, workers=1)
    counts = (
        out.with_columns(normalized(key_expr("instruction")).alias("prompt"))
        .group_by("prompt")
        .agg(pl.len().alias("rows"), pl.col("dup_reason").is_null().sum().alias("kept"))
    )
    # 251 instructions (one is asked twice, with two inputs: 16 rows); every one has at least 6 rows
    assert counts.height == 251
    assert counts["rows"].min() == 6
    assert counts["kept"].to_list() == [2] * 251
    assert report.stats["dropped"] == {"max_per_prompt": 1965 - 502}
