"""Each format's reader on tiny inline rows: exact canonical records, and strict errors naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from winnow.curation.formats.base import RowError
from winnow.curation.formats.registry import get_format


def read(fmt: str, row: Any) -> list[dict[str, Any]]:
    return get_format(fmt).to_records(row)


def test_alpaca_history_becomes_earlier_turns_and_unmapped_keys_go_to_meta() -> None:
    (record,) = read(
        "alpaca",
        {
            "instruction": "q2",
            "input": "",
            "output": "a2",
            "system": "be brief",
            "history": [["q1", "a1"]],
            "source_id": 7,
        },
    )
    assert record == {
        "kind": "sft",
        "meta": {"source_id": 7},
        "system": "be brief",
        "task": None,
        "input": None,
        "messages": [
            {"role": "user", "content": "q1"},
            {"role": "assistant", "content": "a1"},
            {"role": "user", "content": "q2"},
            {"role": "assistant", "content": "a2"},
        ],
    }


def test_alpaca_allows_blank_instruction_when_input_carries_the_prompt() -> None:
    (record,) = read("alpaca", {"instruction": "", "input": "translate: hi", "output": "salut"})
    assert record["messages"][0] == {"role": "user", "content": ""}
    assert record["input"] == "translate: hi"


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"instruction": "q", "input": ""}, "output", "missing required field (alpaca)"),
        ({"instruction": "q", "output": 5}, "output", "expected a string, got int"),
        ({"instruction": "q", "output": "  "}, "output", "empty turn (blank text)"),
        ({"instruction": "", "output": "a"}, "instruction", "empty turn (blank instruction and no input)"),
        (
            {"instruction": "q", "output": "a", "history": [["x"]]},
            "history[0]",
            "expected a [user, assistant] pair of strings",
        ),
        ({"instruction": "q", "output": "a", "system": ["s"]}, "system", "expected a string, got list"),
    ],
)
def test_alpaca_errors_name_the_field(row: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(RowError) as caught:
        read("alpaca", row)
    assert (caught.value.field, caught.value.message) == (field, message)


def test_sharegpt_maps_function_call_observation_and_system_turn() -> None:
    row = {
        "conversations": [
            {"from": "system", "value": "sys"},
            {"from": "human", "value": "weather?"},
            {"from": "function_call", "value": '{"name": "w", "arguments": {}}'},
            {"from": "observation", "value": "sunny"},
            {"from": "gpt", "value": "It is sunny."},
        ],
        "tools": "[]",
        "id": "x1",
    }
    (record,) = read("sharegpt", row)
    assert record["system"] == "sys"
    assert [m["role"] for m in record["messages"]] == ["user", "tool_call", "tool", "assistant"]
    assert record["tools"] == "[]"
    assert record["meta"] == {"id": "x1"}


def test_sharegpt_unknown_role_is_an_error_with_its_path() -> None:
    with pytest.raises(RowError) as caught:
        read(
            "sharegpt", {"conversations": [{"from": "human", "value": "hi"}, {"from": "bot", "value": "yo"}]}
        )
    assert caught.value.field == "conversations[1].from"
    assert "unknown role 'bot'" in caught.value.message


def test_sharegpt_conversation_must_end_with_a_reply() -> None:
    with pytest.raises(RowError, match="conversation ends with user"):
        read("sharegpt", {"conversations": [{"from": "human", "value": "hi"}]})


def test_openai_tool_calls_become_tool_call_messages() -> None:
    row = {
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": [{"type": "text", "text": "add 1 and 2"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c9",
                        "type": "function",
                        "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c9", "content": "3"},
            {"role": "assistant", "content": "3"},
        ]
    }
    (record,) = read("openai", row)
    assert record["system"] == "sys"
    assert record["messages"] == [
        {"role": "user", "content": "add 1 and 2"},
        {"role": "tool_call", "content": json.dumps({"name": "add", "arguments": {"a": 1, "b": 2}})},
        {"role": "tool", "content": "3"},
        {"role": "assistant", "content": "3"},
    ]


@pytest.mark.parametrize(
    ("messages", "field"),
    [
        ([{"role": "robot", "content": "x"}], "messages[0].role"),
        ([{"role": "user", "content": "x"}, {"role": "system", "content": "late"}], "messages[1].role"),
        ([{"role": "user", "content": [{"type": "image_url"}]}], "messages[0].content[0].type"),
        ([{"role": "user", "content": ""}, {"role": "assistant", "content": "a"}], "messages[0].content"),
        ([], "messages"),
    ],
)
def test_openai_errors_name_the_field(messages: list[Any], field: str) -> None:
    with pytest.raises(RowError) as caught:
        read("openai", {"messages": messages})
    assert caught.value.field == field


def test_bare_message_list() -> None:
    (record,) = read("messages", [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])
    assert record["messages"][1] == {"role": "assistant", "content": "yo"}


def test_llamafactory_v1_joins_text_parts_and_keeps_unusual_loss_weights() -> None:
    row = {
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "value": "a"}, {"type": "text", "value": "b"}],
                "loss_weight": 0.0,
            },
            {"role": "assistant", "content": [{"type": "text", "value": "c"}], "loss_weight": 0.5},
        ]
    }
    (record,) = read("llamafactory_v1", row)
    assert record["messages"] == [{"role": "user", "content": "ab"}, {"role": "assistant", "content": "c"}]
    assert record["meta"] == {"loss_weight": [0.0, 0.5]}


def test_dolly_category_is_the_task_and_context_the_input() -> None:
    (record,) = read("dolly", {"instruction": "q", "context": "c", "response": "a", "category": "open_qa"})
    assert (record["task"], record["input"], record["kind"]) == ("open_qa", "c", "sft")


def test_instruction_response_reads_input_or_context() -> None:
    (with_input,) = read(
        "instruction_response", {"instruction": "q", "input": "i", "response": "a", "target": "t"}
    )
    assert (with_input["input"], with_input["meta"]) == ("i", {"target": "t"})
    with pytest.raises(RowError, match="both 'context' and 'input'"):
        read("instruction_response", {"instruction": "q", "input": "i", "context": "c", "response": "a"})


def test_self_instruct_seed_task_expands_instances() -> None:
    row = {
        "id": "seed_0",
        "name": "sum",
        "instruction": "add",
        "is_classification": False,
        "instances": [{"input": "1 2", "output": "3"}, {"input": "", "output": "0"}],
    }
    records = read("self_instruct", row)
    assert [(r["input"], r["messages"][1]["content"], r["task"]) for r in records] == [
        ("1 2", "3", "sum"),
        (None, "0", "sum"),
    ]
    assert records[0]["meta"] == {"id": "seed_0", "is_classification": False}


def test_self_instruct_flat_form() -> None:
    (record,) = read("self_instruct", {"task": "t", "instruction": "q", "input": "", "output": "a"})
    assert (record["task"], record["input"]) == ("t", None)


def test_input_target() -> None:
    (record,) = read("input_target", {"input_text": "q", "target_text": "a"})
    assert record["messages"] == [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]


def test_preference_alpaca_prompt_ends_on_the_user_turn() -> None:
    (record,) = read("preference_alpaca", {"instruction": "q", "chosen": "good", "rejected": "bad"})
    assert record["messages"] == [{"role": "user", "content": "q"}]
    assert (record["kind"], record["chosen"], record["rejected"]) == ("preference", "good", "bad")


def test_preference_sharegpt_reads_turn_objects_and_strings() -> None:
    row = {
        "conversations": [{"from": "human", "value": "q"}],
        "chosen": {"from": "gpt", "value": "good"},
        "rejected": "bad",
    }
    (record,) = read("preference_sharegpt", row)
    assert (record["chosen"], record["rejected"]) == ("good", "bad")
    with pytest.raises(RowError) as caught:
        read("preference_sharegpt", {**row, "chosen": {"from": "human", "value": "x"}})
    assert caught.value.field == "chosen.from"


def test_kto_forms() -> None:
    (messages,) = read(
        "kto",
        {
            "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
            "label": False,
        },
    )
    (alpaca,) = read("kto", {"instruction": "q", "output": "a", "kto_tag": True})
    assert (messages["kind"], messages["label"], alpaca["label"]) == ("kto", False, True)
    with pytest.raises(RowError) as caught:
        read("kto", {"instruction": "q", "output": "a", "label": "yes"})
    assert (caught.value.field, caught.value.message) == ("label", "expected true or false, got str 'yes'")


def test_pretrain_text() -> None:
    assert read("pretrain", {"text": "doc", "url": "u"}) == [
        {"kind": "pretrain", "meta": {"url": "u"}, "text": "doc"}
    ]


def test_hh_transcripts_share_the_prompt() -> None:
    row = {
        "chosen": "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: joke?\n\nAssistant: good one",
        "rejected": "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: joke?\n\nAssistant: no",
    }
    (record,) = read("hh", row)
    assert [m["content"] for m in record["messages"]] == ["hi", "hello", "joke?"]
    assert (record["chosen"], record["rejected"]) == ("good one", "no")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"chosen": "no transcript", "rejected": "\n\nHuman: a\n\nAssistant: b"}, "not an HH transcript"),
        (
            {"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": "\n\nHuman: x\n\nAssistant: b"},
            "differs from 'chosen'",
        ),
        (
            {
                "chosen": "\n\nHuman: a\n\nAssistant: b\n\nAssistant: c",
                "rejected": "\n\nHuman: a\n\nAssistant: c",
            },
            "turns must alternate",
        ),
        ({"chosen": "\n\nHuman: a\n\nAssistant: ", "rejected": "\n\nHuman: a\n\nAssistant: b"}, "empty turn"),
    ],
)
def test_hh_errors(row: dict[str, str], message: str) -> None:
    with pytest.raises(RowError, match=message):
        read("hh", row)
