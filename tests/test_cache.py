"""Row keys (winnow.curation.cache.row_keys): equal content gives equal keys, any change in content a different key."""

from __future__ import annotations

import polars as pl

from winnow.curation.cache import row_keys
from winnow.curation.record import frame_from_rows


def sft(messages: list[dict[str, str]] | None, **extra: str) -> dict[str, object]:
    return {"id": "x", "kind": "sft", "messages": messages, **extra}


USER_A = {"role": "user", "content": "a"}
ROWS = [
    sft([USER_A]),
    sft([{"role": "a", "content": "user"}]),  # role and content swapped
    sft([USER_A, USER_A]),  # the same message twice
    sft([{"role": "user", "content": ""}]),
    sft([]),
    sft([USER_A], system="be brief"),
    sft([{"role": "user", "content": "a "}]),
    sft([{"role": "user", "content": "b"}, {"role": "assistant", "content": "a"}]),
    sft([{"role": "user", "content": "ba"}]),
]


def test_every_distinct_row_gets_a_distinct_key() -> None:
    keys = row_keys(frame_from_rows(ROWS))
    assert keys.columns == ["k1", "k2"]
    assert keys.schema == pl.Schema({"k1": pl.UInt64, "k2": pl.UInt64})
    assert keys.n_unique() == len(ROWS)
    assert keys["k1"].n_unique() == len(ROWS)
    assert keys["k2"].n_unique() == len(ROWS)


def test_key_ignores_id_source_and_line_and_depends_on_content_only() -> None:
    first = frame_from_rows([sft([USER_A]) | {"id": "1"}, sft([USER_A]) | {"id": "2"}])
    keys = row_keys(first.with_columns(pl.Series("line", [1, 99])))
    assert keys.row(0) == keys.row(1)
    # the same row keyed inside a bigger frame: keys do not depend on the neighbours
    alone = row_keys(frame_from_rows([sft([USER_A])]))
    assert row_keys(frame_from_rows(ROWS)).row(0) == alone.row(0)
