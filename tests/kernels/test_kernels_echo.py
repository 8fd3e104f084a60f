"""The compiled echo comparison: YES / NO / UNDECIDED on tiny rows (the stage-level equality with the Polars
definition is tested in tests/checks/test_checks_shared_derivations.py)."""

from __future__ import annotations

import polars as pl

from winnow.curation.kernels.echo import NO, UNDECIDED_ROW, YES, echo_series


def states(rows: list[tuple[str | None, str | None, str | None]], min_prefix_chars: int = 20) -> list[int]:
    frame = pl.DataFrame(rows, schema=["reply", "instruction", "input"], orient="row")
    texts = frame.select(pl.struct(pl.all()).alias("t"))["t"]
    return echo_series(texts, min_prefix_chars=min_prefix_chars).to_list()


def test_echo_states() -> None:
    assert states(
        [
            ("Name a colour.", "name a   COLOUR", ""),  # equal once whitespace, case and the full stop go
            ("the cat sat", "Fix the grammar", "The cat sat."),  # equal to the input
            ("Describe the sea in detail: it is blue", "Describe the sea in detail", None),  # opens with it
            ("Describe the sea: blue", "Describe the sea", None),  # opens with a short instruction: fine
            ("...", "...", ""),  # nothing comparable: no reply
            ("Blue.", "Name a colour", ""),
            (None, "Name a colour", ""),
            ("ΟΔΟΣ", "οδος", ""),  # a Σ: undecided
            ("Completely different", "ΟΔΟΣ", ""),
            ("x ΟΔΟΣ", "Name a colour", ""),  # the texts differ before the Σ: decided
        ]
    ) == [YES, YES, YES, NO, NO, NO, NO, UNDECIDED_ROW, UNDECIDED_ROW, NO]
    assert states([("Describe the sea: blue", "Describe the sea", None)], min_prefix_chars=5) == [YES]
    assert states([("İstanbul!", "i\u0307stanbul", None)]) == [YES]  # İ lowercases to i + U+0307
