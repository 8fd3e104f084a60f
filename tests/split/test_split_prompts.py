"""Rows with the same normalized prompt share a split, dedup on or off (winnow.curation.split.units); real rows:
8 models' answers to the 252 self-instruct prompts."""

from __future__ import annotations

import glob

import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.dedup.config import DedupConfig
from winnow.curation.dedup.stage import dedup_stage
from winnow.curation.io.read import read_corpus
from winnow.curation.ledger import with_ledger
from winnow.curation.record import frame_from_rows
from winnow.curation.split.assign import assign_splits
from winnow.curation.split.section import SplitConfig
from winnow.curation.split.stage import split_stage
from winnow.curation.split.units import PROMPT_COLUMN, prompt_key, prompt_keys, unit_key
from winnow.curation.stages import StageContext
from winnow.curation.tasks.section import TasksConfig
from winnow.curation.tasks.stage import label_tasks


def test_prompt_key_is_the_normalized_prompt_and_pretrain_text_has_none() -> None:
    rows = [
        {
            "id": "a",
            "source": "s",
            "line": 1,
            "kind": "sft",
            "input": "Some  INPUT",
            "messages": [{"role": "user", "content": "Ｓummarize:"}, {"role": "assistant", "content": "x"}],
        },
        {"id": "b", "source": "s", "line": 2, "kind": "pretrain", "text": "a document"},
    ]
    assert frame_from_rows(rows).select(prompt_key()).to_series().to_list() == ["summarize: some input", None]


def test_prompt_keys_equal_the_prompt_key_expression() -> None:
    # the stage normalizes with the compiled pass: the same values as the expression, rows it leaves to the
    # expression (a combining mark, a capital sigma) included
    prompts = ["Ｓummarize:  THE\tinput", "cafe\u0301 ΣΟΦΙΑ", "", "你好，世界！", "  ﬁne …  "]
    rows = [
        {
            "id": str(i),
            "source": "s",
            "line": i,
            "kind": "sft",
            "messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "x"}],
        }
        for i, text in enumerate(prompts)
    ]
    rows.append({"id": "p", "source": "s", "line": 9, "kind": "pretrain", "text": "a document"})
    frame = frame_from_rows(rows)
    expected = frame.select(prompt_key()).to_series()
    assert prompt_keys(frame.lazy()).to_list() == expected.to_list()
    assert expected.to_list()[-1] is None


def test_units_join_rows_through_prompts_and_clusters() -> None:
    rows = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e", "f"],
            PROMPT_COLUMN: ["p1", "p1", "p2", None, "p3", None],
            "dup_cluster": [None, "c1", "c1", "c1", None, None],
        }
    )
    # a-b share a prompt, b-c-d a cluster: one unit, keyed by its smallest member key
    assert unit_key(rows, prompts=True, clusters=True).to_list() == [
        *["cluster:c1"] * 4,
        "prompt:p3",
        "row:f",
    ]
    assert unit_key(rows, prompts=True, clusters=False).to_list() == [
        "prompt:p1",
        "prompt:p1",
        "prompt:p2",
        "row:d",
        "prompt:p3",
        "row:f",
    ]
    assert unit_key(rows, prompts=False, clusters=True).to_list() == [
        "row:a",
        *["cluster:c1"] * 3,
        "row:e",
        "row:f",
    ]


def test_rows_of_one_prompt_share_a_split_and_shares_stay_exact() -> None:
    rows = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(1000)],
            "task": ["code" if i % 2 else "math" for i in range(1000)],
            PROMPT_COLUMN: [f"prompt {i % 200}" for i in range(1000)],  # 5 answers per prompt
        }
    )
    out = assign_splits(rows, ["task"], SplitConfig(fractions=(0.8, 0.1, 0.1)))
    assert PROMPT_COLUMN not in out.columns
    per_prompt = out.with_columns(rows[PROMPT_COLUMN]).group_by(PROMPT_COLUMN).agg(pl.col("split").n_unique())
    assert per_prompt["split"].max() == 1
    # each task: 100 prompts of 5 rows (one task per prompt), cut 400 / 50 / 50 exactly
    assert sorted(out.group_by("task", "split").len().rows()) == [
        ("code", "test", 50),
        ("code", "train", 400),
        ("code", "val", 50),
        ("math", "test", 50),
        ("math", "train", 400),
        ("math", "val", 50),
    ]
    apart = assign_splits(rows, ["task"], SplitConfig(fractions=(0.8, 0.1, 0.1), keep_prompts_together=False))
    spread = apart.with_columns(rows[PROMPT_COLUMN]).group_by(PROMPT_COLUMN).agg(pl.col("split").n_unique())
    assert spread["split"].max() > 1


@pytest.fixture(scope="module")
def eight_models() -> pl.DataFrame:
    files = sorted(glob.glob(str(shared_path("self_instruct", "predictions") / "*.jsonl")))
    records = read_corpus(files).records  # 1,965 rows: 252 prompts, up to 8 answers each
    labelled, _ = label_tasks(records, TasksConfig())
    return with_ledger(labelled)


@pytest.mark.parametrize(
    ("dedup", "together", "rows", "straddling"),
    [
        (False, False, {"train": 1770, "val": 96, "test": 99}, 144),
        (False, True, {"train": 1770, "val": 101, "test": 94}, 0),
        (True, False, {"train": 1515, "val": 84, "test": 84}, 127),
        (True, True, {"train": 1506, "val": 88, "test": 89}, 0),
    ],
)
def test_real_no_prompt_straddles_splits_with_dedup_off_or_on(
    eight_models: pl.DataFrame, dedup: bool, together: bool, rows: dict[str, int], straddling: int
) -> None:
    frame = eight_models
    if dedup:  # the default key: copies of the pair go, the other answers stay (1,683 rows)
        frame = dedup_stage(frame, {"dedup": DedupConfig()}, StageContext(workers=1))
    ctx = StageContext()
    out = split_stage(frame, {"split": SplitConfig(keep_prompts_together=together)}, ctx)
    stats = ctx.stats["split"]
    assert stats["rows"] == rows
    assert stats["prompts_split_across"] == straddling
    prompts = out.filter(pl.col("split").is_not_null()).select(prompt_key().alias("p"), "split")
    assert int((prompts.group_by("p").agg(pl.col("split").n_unique())["split"] > 1).sum()) == straddling
