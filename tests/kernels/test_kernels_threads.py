"""How a pass over a column is cut for the threads (winnow.curation.kernels.threads)."""

from __future__ import annotations

import pytest

from winnow.curation.kernels import threads
from winnow.curation.kernels.threads import row_pieces, thread_map


def test_row_pieces_cover_every_row_in_order_one_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "THREADS", 2)
    assert row_pieces(0, 10) == [(0, 0)]
    assert row_pieces(7, 10) == [(0, 7)]  # below the least a piece holds: one piece
    assert row_pieces(19, 10) == [(0, 19)]
    assert row_pieces(20, 10) == [(0, 10), (10, 20)]
    assert row_pieces(21, 10) == [(0, 11), (11, 21)]
    monkeypatch.setattr(threads, "THREADS", 1)
    assert row_pieces(21, 10) == [(0, 21)]


def test_thread_map_keeps_the_order() -> None:
    assert thread_map(lambda x: x * x, range(5)) == [0, 1, 4, 9, 16]
