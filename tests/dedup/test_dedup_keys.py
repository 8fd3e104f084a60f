"""The representatives' texts cut when asked (RepTextSource): the same texts whether cut a few rows at a time
or made for every row once enough were asked for, and only the columns the texts read are kept."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import winnow.curation.dedup.keys as keys
from tests.dedup.test_dedup_find import sft
from winnow.curation.dedup.keys import RepTexts, RepTextSource, document_texts
from winnow.curation.record import frame_from_rows

ROWS = [
    sft(0, "Name three  colors.", "Red, green, BLUE."),
    sft(1, "Translate: 你好", "Hello"),
    sft(2, "Name three colors", "red green blue"),
    sft(3, "Sum 1+1", "2"),
    sft(4, "Ｆｕｌｌ width", "ok"),
]


@pytest.mark.parametrize("key", ["conversation", "instruction_input"])
def test_cut_a_few_at_a_time_or_all_at_once_give_the_same_texts(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keys, "WHOLE_SHARE", 0.5)
    frame = frame_from_rows(ROWS).with_columns(pl.lit(1.0).alias("metric.unrelated"))
    rows = np.array([4, 0, 2, 3], dtype=np.int64)  # representatives: frame rows in any order
    expected = document_texts(frame, key, punctuation_blind=False)[rows]
    source = RepTextSource(frame, rows, key, punctuation_blind=False)
    assert "metric.unrelated" not in source.frame.columns  # only what the texts read
    names = ["__key", "__prompt", "__reply"] if key == "conversation" else ["__key"]
    texts = {name: RepTexts(source, name) for name in names}
    assert len(texts["__key"]) == 4
    # 5 frame rows, all made past 2.5 asked: the first question (1 document) is cut from its row
    assert texts["__key"].gather(np.array([1])).to_list() == expected["__key"].gather([1]).to_list()
    assert source.whole is None
    asked = np.array([3, 0, 2])
    for name in names:  # the second question passes the share: every row's texts are made, once
        assert texts[name].gather(asked).to_list() == expected[name].gather(asked).to_list()
    assert source.whole is not None
    assert source.whole.equals(expected)
    monkeypatch.setattr(keys, "document_texts", None)  # made already: nothing is normalized again
    assert texts["__key"].gather(np.array([0])).to_list() == expected["__key"].gather([0]).to_list()
