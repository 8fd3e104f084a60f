"""Mapping only the rows that match a step's trigger gives exactly what mapping every row gives.

A trigger must match every text its mapper would change: checked per mapper (and its params) on
generated texts built from the characters the mappers act on, then for whole frames (inline and real).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from conftest import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

from winnow.curation.mappers.registry import registered_mappers
from winnow.curation.mappers.section import MappersConfig, MapperStep
from winnow.curation.mappers.stage import _map_every_row, candidate_rows, map_rows
from winnow.curation.record import frame_from_rows

# every character class a mapper looks at, plus ordinary zh/en text
ALPHABET = [
    *list("ab 好。，！!?.-~*#\t\n\r"),
    "\xa0",
    "\u2003",
    "\u3000",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\x07",
]
TRIGGERED = [
    ("remove_control_chars", {}),
    ("remove_control_chars", {"keep_zero_width_joiner": False}),
    ("normalize_newlines", {}),
    ("normalize_newlines", {"max_blank_lines": 0}),
    ("normalize_whitespace", {}),
    ("normalize_whitespace", {"collapse_inner_spaces": True}),
    ("strip", {}),
    ("collapse_punctuation", {"max_repeat": 3}),
    ("collapse_punctuation", {"max_repeat": 1}),
]


@pytest.mark.parametrize(("name", "params"), TRIGGERED)
@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(alphabet=ALPHABET, max_size=12), min_size=1, max_size=20))
def test_trigger_matches_every_text_the_mapper_changes(
    name: str, params: dict[str, Any], texts: list[str]
) -> None:
    spec = registered_mappers()[name]
    assert spec.trigger is not None
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    out = frame.select(
        spec.function(pl.col("t"), **params).alias("mapped"),
        pl.col("t").str.contains(spec.trigger(**params)).alias("triggered"),
    )
    for text, mapped, triggered in zip(texts, out["mapped"], out["triggered"], strict=True):
        assert triggered or mapped == text, (text, mapped)


def test_nfkc_has_no_trigger_so_every_row_is_mapped() -> None:
    config = MappersConfig((MapperStep("strip"), MapperStep("nfkc", {"form": "NFKC"})))
    frame = frame_from_rows([{"id": "a", "kind": "pretrain", "text": "ＡＢＣ"}])
    assert candidate_rows(frame, config) is None
    assert map_rows(frame, config)[0]["text"].to_list() == ["ABC"]


DEFAULT_STEPS = MappersConfig(
    (
        MapperStep("remove_control_chars", {"keep_zero_width_joiner": True}),
        MapperStep("normalize_newlines", {"max_blank_lines": 1}),
        MapperStep("normalize_whitespace", {"collapse_inner_spaces": False}),
        MapperStep("strip"),
        MapperStep("collapse_punctuation", {"max_repeat": 3}),
    )
)


def assert_same_as_every_row(frame: pl.DataFrame, config: MappersConfig) -> None:
    got, got_stats, got_bits = map_rows(frame, config)
    want, want_stats, want_bits = _map_every_row(frame, config)
    assert got.equals(want)
    assert got_stats == want_stats
    assert got_bits.to_list() == want_bits.to_list()


def test_prefiltered_mapping_equals_mapping_every_row_inline() -> None:
    rows = [
        {"id": "a", "kind": "sft", "messages": [{"role": "user", "content": " hi!!!!! "}]},
        {"id": "b", "kind": "sft", "system": "\ufeff系统", "messages": [{"role": "user", "content": "好"}]},
        {"id": "c", "kind": "pretrain", "text": "clean"},
        {
            "id": "d",
            "kind": "sft",
            "messages": [{"role": "user", "content": "a\r\nb"}, {"role": "assistant"}],
        },
        {"id": "e", "kind": "pretrain", "text": "also clean"},
        {
            "id": "f",
            "kind": "preference",
            "messages": [{"role": "user", "content": "q"}],
            "chosen": "x\u00a0y",
            "rejected": "z",
        },
    ]
    frame = frame_from_rows(rows)
    assert candidate_rows(frame, DEFAULT_STEPS).to_list() == [True, True, False, True, False, True]  # type: ignore[union-attr]
    assert_same_as_every_row(frame, DEFAULT_STEPS)
    assert_same_as_every_row(frame.filter(pl.col("id").is_in(["c", "e"])), DEFAULT_STEPS)  # nothing to map
    assert_same_as_every_row(frame.head(0), DEFAULT_STEPS)


def test_prefiltered_mapping_equals_mapping_every_row_on_real_data() -> None:
    from winnow.curation.io.read import read_corpus

    frame = read_corpus(
        [
            shared_path("llama_factory_demo", "alpaca_zh_demo.json"),
            shared_path("llama_factory_demo", "alpaca_en_demo.json"),
            shared_path("codealpaca", "code_alpaca_2k.json"),
        ]
    ).records
    candidates = candidate_rows(frame, DEFAULT_STEPS)
    assert candidates is not None
    assert 0 < candidates.sum() < frame.height
    assert_same_as_every_row(frame, DEFAULT_STEPS)
