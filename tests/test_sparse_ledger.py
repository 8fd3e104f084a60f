"""record_failures_sparse equals ledger.record_failures row for row (it only skips the rows nothing fails)."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from winnow.curation.ledger import record_failures, with_ledger
from winnow.curation.sparse_ledger import record_failures_sparse


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "x": [1, 5, None, 9, 2],
            "drop_reason": [None, "empty_response", None, None, None],
            "failed_rules": [[], ["empty_response"], ["mojibake"], [], []],
            "flagged_rules": [[], [], ["mojibake"], [], []],
        },
        schema_overrides={"failed_rules": pl.List(pl.String), "flagged_rules": pl.List(pl.String)},
    )


FAILURES = [
    ("too_big", pl.col("x") > 4),  # b, d (null on c: a pass)
    ("odd", pl.col("x") % 2 == 1),  # a, b, d
    ("missing", pl.col("x").is_null()),  # c
]


@pytest.mark.parametrize("flagged", [set(), {"too_big"}, {"too_big", "odd", "missing"}])
def test_equals_record_failures(flagged: set[str]) -> None:
    frame = _frame()
    assert_frame_equal(
        record_failures_sparse(frame, FAILURES, flagged), record_failures(frame, FAILURES, flagged)
    )


def test_values() -> None:
    out = record_failures_sparse(_frame(), FAILURES, {"odd"})
    assert out["drop_reason"].to_list() == [None, "empty_response", "missing", "too_big", None]
    assert out["failed_rules"].to_list() == [
        ["odd"],
        ["empty_response", "too_big", "odd"],
        ["mojibake", "missing"],
        ["too_big", "odd"],
        [],
    ]
    assert out["flagged_rules"].to_list() == [["odd"], ["odd"], ["mojibake"], ["odd"], []]


def test_nothing_fails_and_no_ledger_yet() -> None:
    frame = pl.DataFrame({"x": [1, 3]})
    out = record_failures_sparse(frame, [("big", pl.col("x") > 10)])
    assert_frame_equal(out, with_ledger(frame))
    assert_frame_equal(record_failures_sparse(frame, []), with_ledger(frame))


def test_chunked_and_null_lists_equal_record_failures() -> None:
    # several chunks (the frame of a real run is rarely one), and a null list kept as it was
    frame = pl.concat([_frame().slice(0, 2), _frame().slice(2)], rechunk=False)
    assert frame.n_chunks() == 2
    assert_frame_equal(record_failures_sparse(frame, FAILURES), record_failures(frame, FAILURES))
    holed = frame.with_columns(
        pl.when(pl.col("id") == "e").then(None).otherwise(pl.col("flagged_rules")).alias("flagged_rules")
    )
    out = record_failures_sparse(holed, FAILURES, {"odd"})
    assert out["flagged_rules"].to_list() == [["odd"], ["odd"], ["mojibake"], ["odd"], None]


def test_the_ledger_columns_are_chunked_like_the_frame() -> None:
    frame = pl.concat([_frame().slice(0, 2), _frame().slice(2)], rechunk=False)
    out = record_failures_sparse(frame, FAILURES)
    assert {name: out.get_column(name).n_chunks() for name in out.columns} == dict.fromkeys(out.columns, 2)
