"""Per-row format detection: the format explaining most keys wins; value checks split same-key formats."""

from __future__ import annotations

import pytest

from winnow.curation.errors import UsageError
from winnow.curation.formats.registry import all_formats, detect, get_format, no_format_message

ROWS = {
    "alpaca": {"instruction": "q", "input": "", "output": "a"},
    "dolly": {"instruction": "q", "context": "", "response": "a", "category": "qa"},
    "instruction_response": {"instruction": "q", "input": "", "response": "a", "target": "t"},
    "self_instruct": {"task": "t", "instruction": "q", "input": "", "output": "a"},
    "input_target": {"input_text": "q", "target_text": "a"},
    "preference_alpaca": {"instruction": "q", "chosen": "a", "rejected": "b"},
    "preference_sharegpt": {
        "conversations": [{"from": "human", "value": "q"}],
        "chosen": "a",
        "rejected": "b",
    },
    "hh": {"chosen": "\n\nHuman: q\n\nAssistant: a", "rejected": "\n\nHuman: q\n\nAssistant: b"},
    "kto": {"messages": [{"role": "user", "content": "q"}], "label": True},
    "openai": {"messages": [{"role": "user", "content": "q"}]},
    "llamafactory_v1": {"messages": [{"role": "user", "content": [{"type": "text", "value": "q"}]}]},
    "sharegpt": {"conversations": [{"from": "human", "value": "q"}], "system": "s"},
    "pretrain": {"text": "t"},
}


@pytest.mark.parametrize(("expected", "row"), sorted(ROWS.items()))
def test_detect_each_format(expected: str, row: dict[str, object]) -> None:
    fmt = detect(row)
    assert fmt is not None
    assert fmt.name == expected


def test_bare_list_is_the_messages_format() -> None:
    fmt = detect([{"role": "user", "content": "q"}])
    assert fmt is not None
    assert fmt.name == "messages"
    assert detect([1, 2]) is None


def test_null_valued_keys_count_as_absent() -> None:
    fmt = detect({"instruction": "q", "output": "a", "category": None, "response": None})
    assert fmt is not None
    assert fmt.name == "alpaca"


def test_codealpaca_with_both_response_and_output_reads_as_alpaca() -> None:
    fmt = detect({"instruction": "q", "input": "", "output": "a", "response": "a"})
    assert fmt is not None
    assert fmt.name == "alpaca"


def test_no_format_message_names_the_nearest_format_and_missing_keys() -> None:
    assert detect({"instruction": "q", "input": "i"}) is None
    assert no_format_message({"instruction": "q", "input": "i"}) == (
        "no supported format has the keys [input, instruction]; nearest is alpaca, which needs output"
    )
    assert no_format_message({"question_id": 1}) == (
        "no supported format has the keys [question_id]; see `winnow formats`"
    )


def test_registry_names_match_the_contract() -> None:
    names = {fmt.name for fmt in all_formats()}
    assert names == {
        "alpaca",
        "sharegpt",
        "openai",
        "messages",
        "dolly",
        "self_instruct",
        "input_target",
        "instruction_response",
        "preference_alpaca",
        "preference_sharegpt",
        "kto",
        "pretrain",
        "hh",
        "llamafactory_v1",
    }


def test_unknown_format_name_suggests_the_closest() -> None:
    with pytest.raises(UsageError) as caught:
        get_format("sharegtp")
    assert caught.value.hint == "did you mean 'sharegpt'?"
