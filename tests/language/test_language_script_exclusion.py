"""A text too short to name its language is still not allowed when its script rules every allowed language
out (winnow.curation.language.exclusion): "Сцена первая." is not English. Real short lines: lingua_langid's
single_word and word_pair granularities in nine scripts."""

from __future__ import annotations

import json

import polars as pl
import pytest

from tests.conftest import shared_path
from winnow.curation.language.exclusion import excluded_by_script, text_scripts
from winnow.curation.language.section import parse_language
from winnow.curation.language.stage import language_stage
from winnow.curation.ledger import with_ledger
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems
from winnow.curation.stages import StageContext

TEXTS = ["Сцена первая.", "Ναι", "안녕", "你好", "Hello there", "123 + 4", None, "ሰላም ነው", "Guten Tag"]


def test_the_script_of_most_letters_and_what_it_rules_out() -> None:
    texts = pl.Series(TEXTS, dtype=pl.String)
    assert text_scripts(texts).to_list() == [
        "cyrillic", "greek", "hangul", "han", "latin", None, None, "other", "latin",
    ]  # fmt: skip
    assert excluded_by_script(texts, ["en"]).to_list() == [
        True, True, True, True, False, False, False, True, False,
    ]  # fmt: skip
    assert excluded_by_script(texts, ["zh", "en"]).to_list() == [
        True, True, True, False, False, False, False, True, False,
    ]  # fmt: skip
    # Latin is no Chinese script: under allowed [zh] a short English or German text is ruled out too
    assert excluded_by_script(texts, ["zh"]).to_list()[4:] == [True, False, False, True, True]


def _stage(texts: list[str], allowed: list[str]) -> pl.DataFrame:
    rows = [
        {
            "id": f"r{i}",
            "source": "s",
            "line": i,
            "kind": "sft",
            "messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}],
        }
        for i, text in enumerate(texts)
    ]
    raw = {"fields": {"instruction": {"allowed": allowed}}, "mismatch": False, "min_words": 3}
    problems = Problems("rules.yaml")
    config = parse_language({**raw, "detect": ["instruction"]}, "language", problems)
    assert not problems
    return language_stage(with_ledger(frame_from_rows(rows)), {"language": config}, StageContext())


def test_stage_drops_a_short_cyrillic_line_under_allowed_en() -> None:
    out = _stage(["Сцена первая.", "Scene one.", "42", "Ναι"], ["en"])
    assert out["lang.instruction"].to_list() == ["und", "und", "und", "und"]
    assert out["drop_reason"].to_list() == ["language_not_allowed", None, None, "language_not_allowed"]
    assert not [c for c in out.columns if c.startswith("__")]


LINGUA_SCRIPTS = {
    "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic", "ar": "arabic", "hi": "devanagari",
    "th": "thai", "el": "greek", "he": "hebrew", "ko": "hangul", "zh": "han",
    "en": "latin", "de": "latin", "fr": "latin",
}  # fmt: skip


# truth language → (short lines, lines not allowed under [en], of which the detector had left "und")
EN_ONLY = {
    "ru": (1000, 1000, 1000), "uk": (1000, 1000, 1000), "bg": (1000, 1000, 1000),  # Cyrillic: ru/uk/bg/mk
    "ar": (1000, 1000, 1000),  # Arabic script: ar/fa/ur
    "hi": (1000, 1000, 927),  # Devanagari: hi/mr/ne; 73 word pairs the detector named
    "th": (1000, 1000, 35),  # Thai settles by script, but 35 single words have under 5 letters
    "el": (1000, 1000, 0), "he": (1000, 1000, 0), "ko": (828, 828, 0),  # settled by script already
    "zh": (1000, 1000, 278),  # short Han-only lines the detector left "und"
    "en": (1000, 0, 0), "de": (1000, 0, 0), "fr": (1000, 0, 0),  # Latin: English's script, "und" stays
}  # fmt: skip


@pytest.fixture(scope="module")
def short_lines() -> list[dict[str, str]]:
    path = shared_path("lingua_langid", "lingua_langid_dev.jsonl")
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    return [
        r for r in rows if r["lang"] in LINGUA_SCRIPTS and r["granularity"] in ("single_word", "word_pair")
    ]


def _per_language(out: pl.DataFrame, truth: list[str]) -> dict[str, tuple[int, int, int]]:
    """truth language → (rows, rows not allowed, of which the detector had left "und")."""
    table = (
        out.with_columns(pl.Series("truth", truth))
        .group_by("truth")
        .agg(
            pl.len(),
            (pl.col("drop_reason") == "language_not_allowed").sum().alias("out"),
            ((pl.col("drop_reason") == "language_not_allowed") & (pl.col("lang.instruction") == "und"))
            .sum()
            .alias("und"),
        )
    )
    return {lang: (n, o, u) for lang, n, o, u in table.iter_rows()}


def test_real_short_lines_of_scripts_no_allowed_language_is_written_in_are_not_allowed(
    short_lines: list[dict[str, str]],
) -> None:
    texts, truth = [r["text"] for r in short_lines], [r["lang"] for r in short_lines]
    # under allowed [en]: every line in another script goes; the third number is the lines the detector
    # left "und" (too few words or letters) that only their script rules out, all kept before
    assert _per_language(_stage(texts, ["en"]), truth) == EN_ONLY
    # under [zh, en] the Han lines stay too
    both = _per_language(_stage(texts, ["zh", "en"]), truth)
    assert both == {**EN_ONLY, "zh": (1000, 0, 0)}
