"""Mappers: each cleaning step on tiny zh/en texts, the per-step change counts, examples and `original`."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from winnow.curation.mappers.cache import apply_mappers_cached
from winnow.curation.mappers.registry import registered_mappers
from winnow.curation.mappers.section import MappersConfig, MapperStep
from winnow.curation.mappers.stage import apply_mappers
from winnow.curation.record import frame_from_rows


def apply(name: str, texts: list[str | None], **params: object) -> list[str | None]:
    spec = registered_mappers()[name]
    return (
        pl.DataFrame({"t": texts}, schema={"t": pl.String})
        .select(spec.function(pl.col("t"), **params))["t"]
        .to_list()
    )


def test_remove_control_chars_keeps_newlines_tabs_and_emoji_joiners() -> None:
    assert apply(
        "remove_control_chars", ["\ufeffhi\u200bthere\x07", "a\tb\nc", "👨\u200d👩", "好\u200c的"]
    ) == [
        "hithere",
        "a\tb\nc",
        "👨\u200d👩",
        "好的",
    ]
    assert apply("remove_control_chars", ["👨\u200d👩"], keep_zero_width_joiner=False) == ["👨👩"]


def test_normalize_newlines() -> None:
    assert apply("normalize_newlines", ["a\r\nb\rc", "a\n\n\n\nb", "a\n  \n \n\nb", "a\n\nb"]) == [
        "a\nb\nc",
        "a\n\nb",
        "a\n\nb",
        "a\n\nb",
    ]
    assert apply("normalize_newlines", ["a\n\n\nb"], max_blank_lines=0) == ["a\nb"]


def test_normalize_whitespace_keeps_indentation_and_ideographic_space() -> None:
    texts = ["x\u00a0y  \n    code  ", "a\u2003b", "\u3000\u3000段落开头", "one   two"]
    assert apply("normalize_whitespace", texts) == [
        "x y\n    code",
        "a b",
        "\u3000\u3000段落开头",
        "one   two",
    ]
    assert apply("normalize_whitespace", ["one   two", "    indented   x"], collapse_inner_spaces=True) == [
        "one two",
        "    indented x",
    ]


def test_strip_and_nfkc() -> None:
    assert apply("strip", ["  hi \n", "\u3000你好\u3000", None]) == ["hi", "你好", None]
    assert apply("nfkc", ["ＡＢＣ１２３", "ﬁ", "你好，世界"]) == ["ABC123", "fi", "你好,世界"]


def test_collapse_punctuation_without_backreferences() -> None:
    texts = ["wow!!!!!!", "好。。。。。。", "what??? ok...", "a----b", "！！！！好"]
    assert apply("collapse_punctuation", texts) == [
        "wow!!!",
        "好。。。",
        "what??? ok...",
        "a---b",
        "！！！好",
    ]
    assert apply("collapse_punctuation", ["hi!!!!"], max_repeat=1) == ["hi!"]


@pytest.mark.parametrize("name", sorted(registered_mappers()))
def test_every_mapper_is_idempotent(name: str) -> None:
    texts = ["  a\r\n\r\n\r\nb!!!!!  ", "\ufeff好的。。。。。 \u00a0", "ＡＢＣ", None]
    once = apply(name, texts)
    assert apply(name, once) == once


def test_stage_counts_changed_rows_per_step_and_keeps_originals() -> None:
    frame = frame_from_rows(
        [
            {
                "id": "a",
                "kind": "sft",
                "messages": [
                    {"role": "user", "content": " hi!!!!! "},
                    {"role": "assistant", "content": "ok"},
                ],
            },
            {
                "id": "b",
                "kind": "sft",
                "system": "\ufeff系统 ",
                "messages": [{"role": "user", "content": "好"}],
            },
            {"id": "c", "kind": "pretrain", "text": "clean"},
        ]
    )
    steps = (
        MapperStep("remove_control_chars", {"keep_zero_width_joiner": True}),
        MapperStep("strip"),
        MapperStep("collapse_punctuation", {"max_repeat": 3}),
    )
    mapped, stats = apply_mappers(frame, MappersConfig(steps))
    assert [s["rows_changed"] for s in stats["steps"]] == [1, 2, 1]
    assert stats["rows_changed"] == 2
    assert stats["steps"][1]["examples"] == [
        {"id": "a", "field": "messages[0]", "before": " hi!!!!! ", "after": "hi!!!!!"},
        {"id": "b", "field": "system", "before": "系统 ", "after": "系统"},
    ]
    assert mapped["messages"].to_list()[0] == [
        {"role": "user", "content": "hi!!!"},
        {"role": "assistant", "content": "ok"},
    ]
    assert mapped["system"].to_list() == [None, "系统", None]
    originals = mapped["original"].to_list()
    assert originals[0]["messages"][0]["content"] == " hi!!!!! "
    assert originals[1]["system"] == "\ufeff系统 "
    assert originals[2] is None  # unchanged rows carry no copy
    assert mapped.height == frame.height


def test_cached_mapping_equals_mapping_and_maps_only_new_rows(tmp_path: Path) -> None:
    rows = [
        {
            "id": str(i),
            "kind": "sft",
            "messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok "}],
        }
        for i, text in enumerate([" hi!!!!! ", "clean", "好。。。。。", "\ufeffbom"])
    ]
    config = MappersConfig(
        (
            MapperStep("remove_control_chars", {"keep_zero_width_joiner": True}),
            MapperStep("strip"),
            MapperStep("collapse_punctuation", {"max_repeat": 3}),
        )
    )
    frame = frame_from_rows(rows)
    plain, plain_stats = apply_mappers(frame, config)
    cold, cold_stats = apply_mappers_cached(frame, config, tmp_path)
    warm, warm_stats = apply_mappers_cached(frame, config, tmp_path)
    assert cold.equals(plain)
    assert warm.equals(plain)
    assert cold_stats["cache"] == {"rows_from_cache": 0, "rows_mapped": 4}
    assert warm_stats["cache"] == {"rows_from_cache": 4, "rows_mapped": 0}
    assert (
        [s["rows_changed"] for s in warm_stats["steps"]]
        == [s["rows_changed"] for s in plain_stats["steps"]]
        == [1, 4, 2]
    )
    assert warm_stats["steps"][2]["examples"] == plain_stats["steps"][2]["examples"]
    more = frame_from_rows([*rows, {"id": "9", "kind": "pretrain", "text": " new!!!!!"}])
    extended, stats = apply_mappers_cached(more, config, tmp_path)
    assert stats["cache"] == {"rows_from_cache": 4, "rows_mapped": 1}
    assert extended.equals(apply_mappers(more, config)[0])
    other = MappersConfig((MapperStep("strip"),))
    _, other_stats = apply_mappers_cached(frame, other, tmp_path)
    assert other_stats["cache"] == {"rows_from_cache": 0, "rows_mapped": 4}
