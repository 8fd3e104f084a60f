"""The mappers stage hands the mapped frame's row keys on to the checks stage's metric cache: they must
be exactly `row_keys` of that frame (raw keys where nothing changed, fresh ones where a mapper did)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from conftest import shared_path

from winnow.curation.cache import handed_on_keys, row_keys
from winnow.curation.mappers.cache import apply_mappers_cached
from winnow.curation.rulefile.load import parse_rules


def test_handed_on_keys_are_the_mapped_frames_keys(tmp_path: Path) -> None:
    from winnow.curation.io.read import read_corpus

    frame = read_corpus(
        [
            shared_path("llama_factory_demo", "alpaca_zh_demo.json"),
            shared_path("codealpaca", "code_alpaca_2k.json"),
        ]
    ).records
    config = parse_rules({"mappers": ["normalize_newlines", "normalize_whitespace", "strip"]}).sections[
        "mappers"
    ]
    for _ in range(2):  # cold cache, then warm
        mapped, stats = apply_mappers_cached(frame, config, tmp_path)
        assert stats["rows_changed"] == 660  # real rows changed: fresh keys were put in
        keys = handed_on_keys(mapped)
        assert keys is not None
        assert keys.equals(row_keys(mapped))
        assert not keys.equals(row_keys(frame))
    assert handed_on_keys(mapped.with_columns(pl.lit(1).alias("x"))) is None  # another frame: none
    assert handed_on_keys(frame) is None
