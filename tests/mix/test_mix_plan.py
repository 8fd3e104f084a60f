"""The mix: caps, task weights, upsampling within max_factor, language/source balance, determinism."""

from __future__ import annotations

import polars as pl
import pytest

from winnow.curation.ledger import record_failures
from winnow.curation.mix.plan import apportion
from winnow.curation.mix.section import MixConfig, parse_mix
from winnow.curation.mix.stage import mix_frame, mix_stage
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems
from winnow.curation.stages import StageContext


def _frame(spec: dict[str, int], lang: bool = False) -> pl.DataFrame:
    rows = []
    for task, n in spec.items():
        for i in range(n):
            rows.append(
                {
                    "id": f"{task}-{i}",
                    "source": f"data/{task}.json" if i % 2 else "data/all.json",
                    "kind": "sft",
                    "task": task,
                }
            )
    frame = record_failures(frame_from_rows(rows), [])
    if lang:
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) % 4 == 0)
            .then(pl.lit("en"))
            .otherwise(pl.lit("zh"))
            .alias("lang.instruction")
        )
    return frame


def _config(raw: dict) -> MixConfig:
    problems = Problems("rules.yaml")
    config = parse_mix(raw, "mix", problems)
    assert problems.items == []
    return config


def _kept_by_task(out: pl.DataFrame) -> dict[str, tuple[int, int]]:
    kept = out.filter(pl.col("drop_reason").is_null())
    return {
        t: (n, c)
        for t, n, c in kept.group_by("task").agg(pl.len(), pl.col("repeats").sum()).sort("task").iter_rows()
    }


def test_apportion_is_exact() -> None:
    assert apportion(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert sum(apportion(1001, {"a": 0.3, "b": 2.7, "c": 5}).values()) == 1001
    assert apportion(5, {"a": 0}) == {"a": 0}


def test_caps_drop_with_reason_and_never_delete() -> None:
    out, stats = mix_frame(_frame({"code": 50, "math": 10}), _config({"tasks": {"code": {"cap": 20}}}))
    assert out.height == 60
    assert _kept_by_task(out) == {"code": (20, 20), "math": (10, 10)}
    assert out.filter(pl.col("drop_reason") == "mix_cap").height == 30
    assert out.filter(pl.col("drop_reason").is_not_null())["repeats"].unique().to_list() == [0]
    assert stats["before"]["by_task"] == {"code": 50, "math": 10}
    assert stats["after"]["by_task"] == {"code": 20, "math": 10}
    assert stats["dropped_mix_cap"] == 30


def test_weights_upsample_within_max_factor() -> None:
    config = _config({"tasks": {"code": {"weight": 1}, "math": {"weight": 1}}, "max_factor": 3})
    out, stats = mix_frame(_frame({"code": 100, "math": 10}), config)
    # pool 110 -> 55 each: code drops 45, math wants 55 copies but 10 rows x 3 = 30 at most
    assert _kept_by_task(out) == {"code": (55, 55), "math": (10, 30)}
    assert out["repeats"].max() == 3
    assert stats["upsampled_rows"] == 10


def test_total_and_min_rows() -> None:
    out, _ = mix_frame(_frame({"code": 60, "math": 30, "open_qa": 10}), _config({"total": 50}))
    assert _kept_by_task(out) == {"code": (30, 30), "math": (15, 15), "open_qa": (5, 5)}
    out, _ = mix_frame(_frame({"code": 60, "math": 7}), _config({"min_rows": 20, "max_factor": 2}))
    assert _kept_by_task(out) == {"code": (60, 60), "math": (7, 14)}
    out, _ = mix_frame(_frame({"code": 60, "math": 7}), _config({"min_rows": 20, "max_factor": 5}))
    math_repeats = sorted(out.filter(pl.col("task") == "math")["repeats"].to_list())
    assert math_repeats == [2, 3, 3, 3, 3, 3, 3]  # 20 copies over 7 rows: six get 3, one gets 2


def test_language_and_source_balance() -> None:
    frame = _frame({"code": 40}, lang=True)  # 10 en, 30 zh
    out, stats = mix_frame(frame, _config({"languages": {"weights": {"en": 1, "zh": 1}}}))
    kept = out.filter(pl.col("drop_reason").is_null())
    assert dict(kept.group_by("lang.instruction").len().iter_rows()) == {"en": 10, "zh": 10}
    assert stats["after"]["by_language"] == {"en": 10, "zh": 10}
    out, _ = mix_frame(frame, _config({"sources": {"caps": {"all.json": 5}}}))
    kept = out.filter(pl.col("drop_reason").is_null())
    assert dict(kept.group_by("source").len().iter_rows()) == {"data/all.json": 5, "data/code.json": 20}
    out, stats = mix_frame(frame.drop("lang.instruction"), _config({"languages": {"caps": {"en": 1}}}))
    assert stats["notes"] == [
        "no language balance: no column 'lang.instruction' (the language stage did not run)"
    ]


def test_deterministic_for_a_seed_and_row_order() -> None:
    frame = _frame({"code": 80, "math": 9})
    config = _config({"tasks": {"code": {"cap": 30}}, "min_rows": 20, "seed": 5})
    first = mix_frame(frame, config)[0].sort("id")
    again = mix_frame(frame.sample(fraction=1.0, shuffle=True, seed=2), config)[0].sort("id")
    assert first.select("id", "repeats", "drop_reason").equals(again.select("id", "repeats", "drop_reason"))
    other = mix_frame(frame, _config({"tasks": {"code": {"cap": 30}}, "min_rows": 20, "seed": 6}))[0].sort(
        "id"
    )
    assert not first["drop_reason"].equals(other["drop_reason"])


def test_earlier_drops_are_left_alone_and_no_section_means_one_copy() -> None:
    frame = record_failures(_frame({"code": 10}), [("too_short", pl.col("id") == "code-0")])
    out, _ = mix_frame(frame, _config({"tasks": {"code": {"cap": 5}}}))
    assert out.filter(pl.col("id") == "code-0")["failed_rules"].to_list() == [["too_short"]]
    assert out.filter(pl.col("drop_reason").is_null()).height == 5
    plain = mix_stage(frame, {}, StageContext())
    assert plain["repeats"].to_list() == [0] + [1] * 9


def test_section_problems() -> None:
    problems = Problems("rules.yaml")
    parse_mix(
        {
            "max_factor": 0,
            "tasks": {"cod": {"cap": 3}, "math": {"weight": -1, "cpa": 2}},
            "languages": {"caps": {"en": "x"}},
        },
        "mix",
        problems,
    )
    assert [p.split(":")[0] for p in problems.items] == [
        "mix.max_factor",
        "mix.tasks.cod",
        "mix.tasks.math.cpa",
        "mix.tasks.math.weight",
        "mix.languages.caps.en",
    ]
    assert 'did you mean "code"' in problems.items[1]


@pytest.mark.parametrize("raw", [None, {}])
def test_empty_section_is_defaults(raw: object) -> None:
    assert parse_mix(raw, "mix", Problems("x")) == MixConfig()
