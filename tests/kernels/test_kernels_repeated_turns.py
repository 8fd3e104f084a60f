"""The compiled repeated-turn comparison: YES / NO / UNDECIDED on tiny conversations, and the List[String]
buffers it reads."""

from __future__ import annotations

import polars as pl

from winnow.curation.kernels.arrow_lists import list_buffers
from winnow.curation.kernels.repeated_turns import NO, UNDECIDED_ROW, YES, repeated_turn_series


def states(conversations: list[list[str | None] | None], min_chars: int = 8) -> list[int]:
    series = pl.Series("m", conversations, dtype=pl.List(pl.String))
    return repeated_turn_series(series, min_chars=min_chars).to_list()


def test_repeated_turn_states() -> None:
    assert states(
        [
            ["Hello there friend", "hello, THERE friend!"],  # equal once normalized
            ["hi there", "hi there"],  # 7 normalized characters: too short
            ["one turn here", "another turn", "Another turn!!"],  # the repeat is turns 2-3
            ["same text here", None, "same text here"],  # not adjacent
            None,
            [],
            ["ΟΔΟΣ ΚΑΙ ΔΡΟΜΟΣ", "οδος και δρομος"],  # a Σ: undecided
            ["ΟΔΟΣ ΚΑΙ ΔΡΟΜΟΣ", "something else", "something else"],  # a later repeat decides
            ["a different opening", "ΟΔΟΣ"],  # the last turn differs before its Σ
        ]
    ) == [YES, NO, YES, NO, NO, NO, UNDECIDED_ROW, YES, NO]
    assert states([["hi there", "hi there"]], min_chars=7) == [YES]


def test_list_buffers() -> None:
    series = pl.Series("m", [["ab", None], None, [], ["中"]], dtype=pl.List(pl.String)).slice(0, 4)
    buffers = list_buffers(series)
    assert buffers.list_offsets.tolist() == [0, 2, 2, 2, 3]
    assert buffers.valid is not None
    assert buffers.valid.tolist() == [True, False, True, True]
    strings = buffers.strings
    assert strings.offsets.tolist() == [0, 2, 2, 5]
    assert strings.valid is not None
    assert strings.valid.tolist() == [True, False, True]
    assert strings.data[:5].tobytes() == "ab中".encode()
    sliced = list_buffers(pl.Series("m", [["x"], ["yz", "w"]]).slice(1, 1))
    assert sliced.list_offsets.tolist() == [0, 2]
    assert sliced.strings.data[sliced.strings.offsets[0] : sliced.strings.offsets[2]].tobytes() == b"yzw"
