"""The mapper cache's files (winnow.curation.mappers.cache): rows kept across runs on other rows, reordered rows,
a damaged cache, and one pair of files per set of steps."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from winnow.curation.mappers.cache import apply_mappers_cached
from winnow.curation.mappers.section import MappersConfig, MapperStep
from winnow.curation.mappers.stage import apply_mappers
from winnow.curation.record import frame_from_rows

CONFIG = MappersConfig((MapperStep("strip"), MapperStep("collapse_punctuation", {"max_repeat": 3})))


def rows(texts: list[str], first_id: int = 0) -> pl.DataFrame:
    return frame_from_rows(
        [
            {
                "id": str(first_id + i),
                "kind": "sft",
                "system": " sys " if i % 3 == 0 else None,
                "messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}],
            }
            for i, text in enumerate(texts)
        ]
    )


FIRST = rows([" a ", "b", "c!!!!!", "d", " e!!!!! "])
SECOND = rows(["x", " y", "z?????"], first_id=10)


def cached(frame: pl.DataFrame, cache: Path) -> tuple[pl.DataFrame, dict[str, int]]:
    mapped, stats = apply_mappers_cached(frame, CONFIG, cache)
    assert mapped.equals(apply_mappers(frame, CONFIG)[0])  # the cache never changes the result
    return mapped, stats["cache"]


def test_rows_of_an_earlier_run_stay_cached_after_a_run_on_other_rows(tmp_path: Path) -> None:
    assert cached(FIRST, tmp_path)[1] == {"rows_from_cache": 0, "rows_mapped": 5}
    assert cached(SECOND, tmp_path)[1] == {"rows_from_cache": 0, "rows_mapped": 3}
    # FIRST's rows now follow SECOND's in the files: found by key, their changed text moved with them
    assert cached(FIRST, tmp_path)[1] == {"rows_from_cache": 5, "rows_mapped": 0}
    assert cached(SECOND, tmp_path)[1] == {"rows_from_cache": 3, "rows_mapped": 0}
    both = pl.concat([SECOND, FIRST])
    mapped, counts = cached(both, tmp_path)
    assert counts == {"rows_from_cache": 8, "rows_mapped": 0}
    assert mapped["original"].struct.field("system").to_list() == [
        " sys ",
        None,
        None,
        " sys ",
        None,
        None,
        " sys ",
        None,
    ]


def test_reordered_rows_are_found_by_key(tmp_path: Path) -> None:
    cached(FIRST, tmp_path)
    reordered, counts = cached(FIRST.reverse(), tmp_path)
    assert counts == {"rows_from_cache": 5, "rows_mapped": 0}
    contents = reordered["messages"].list.first().struct.field("content").to_list()
    assert contents == ["e!!!", "d", "c!!!", "b", "a"]


def test_one_pair_of_files_per_set_of_steps_and_a_damaged_pair_is_a_cold_cache(tmp_path: Path) -> None:
    for frame in (FIRST, SECOND, FIRST):
        cached(frame, tmp_path)
    folder = tmp_path / "mappers"
    files = sorted(p.name.split(".", 2)[2] for p in folder.glob("*.parquet"))
    assert files == ["changed.parquet", "rows.parquet"]
    (changed,) = folder.glob("*.changed.parquet")
    changed.write_bytes(b"not parquet")
    assert cached(FIRST, tmp_path)[1] == {"rows_from_cache": 0, "rows_mapped": 5}
    assert cached(FIRST, tmp_path)[1] == {"rows_from_cache": 5, "rows_mapped": 0}
