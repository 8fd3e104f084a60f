"""The `language` stage: columns, ledger reasons, the translation exemption, stats and the cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from winnow.curation.language.section import parse_language
from winnow.curation.language.stage import language_stage
from winnow.curation.ledger import with_ledger
from winnow.curation.record import frame_from_rows
from winnow.curation.rulefile.problems import Problems
from winnow.curation.stages import StageContext

ZH_REPLY = "春天来了，花都开了，小鸟在树上唱歌，孩子们在草地上奔跑玩耍。"
EN_REPLY = "Spring has come, and the flowers are blooming while the birds sing in the trees."
# 23 Han characters (69 Latin-letter units) against 39 Latin letters: still Chinese, purity 0.64.
IMPURE_ZH = (
    "这是答案，请看下面的详细说明和例子。春天来了，花开了。 Please read the English notes below carefully."
)


def _row(row_id: str, instruction: str, reply: str, task: str | None = None) -> dict[str, object]:
    return {
        "id": row_id,
        "kind": "sft",
        "messages": [{"role": "user", "content": instruction}, {"role": "assistant", "content": reply}],
        "task": task,
    }


def _frame() -> pl.DataFrame:
    return frame_from_rows(
        [
            _row("ok", "请描述春天的景色，写得生动一些。", ZH_REPLY),
            _row("mismatch", "请描述春天的景色，写得生动一些。", EN_REPLY),
            _row("translate", "把下面这段话翻译成英文：春天来了，花都开了。", EN_REPLY),
            _row("task", "春天来了，花都开了，小鸟在树上唱歌。", EN_REPLY, task="translation"),
            _row(
                "french",
                "Décrivez le printemps avec des mots simples et beaux.",
                "Le printemps est arrivé et les fleurs sont magnifiques.",
            ),
            _row("impure", "请描述春天的景色，写得生动一些。", IMPURE_ZH),
            _row("short", "hi", "ok"),
        ]
    )


def _config(raw: dict[str, object]) -> object:
    problems = Problems("t")
    config = parse_language(raw, "language", problems)
    assert not problems
    return config


def test_stage_columns_reasons_and_stats(tmp_path: Path) -> None:
    config = _config({"allowed": ["zh", "en"], "fields": {"response": {"min_purity": 0.75}}})
    ctx = StageContext(cache_dir=tmp_path, workers=1)
    out = language_stage(with_ledger(_frame()), {"language": config}, ctx)

    assert out["lang.instruction"].to_list() == ["zh", "zh", "zh", "zh", "fr", "zh", "und"]
    assert out["lang.response"].to_list() == ["zh", "en", "en", "en", "fr", "zh", "und"]
    assert out["lang.messages"].to_list()[1] == ["zh", "en"]
    assert out["drop_reason"].to_list() == [
        None, "language_mismatch", None, None, "language_not_allowed", "language_impure", None,
    ]  # fmt: skip
    assert out["failed_rules"].to_list()[4] == ["language_not_allowed"]  # same language: no mismatch
    purity = out["lang_purity.response"].to_list()
    assert purity[0] == 1.0
    assert purity[5] == 69 / 108

    stats = ctx.stats["language"]
    assert stats["rows_checked"] == 7
    assert stats["languages"]["response"] == {"en": 3, "zh": 2, "fr": 1, "und": 1}
    assert stats["dropped"] == {"language_not_allowed": 1, "language_impure": 1, "language_mismatch": 1}
    assert stats["translation_exempt"] == 2
    assert stats["failed_by_field"]["language_not_allowed"]["instruction"] == 1


def test_stage_is_deterministic_and_uses_its_cache(tmp_path: Path) -> None:
    config = _config({"allowed": ["zh", "en"]})
    first_ctx, second_ctx = (
        StageContext(cache_dir=tmp_path, workers=1),
        StageContext(cache_dir=tmp_path, workers=2),
    )
    first = language_stage(_frame(), {"language": config}, first_ctx)
    second = language_stage(_frame(), {"language": config}, second_ctx)
    assert first.equals(second)
    first_stats, second_stats = first_ctx.stats["language"], second_ctx.stats["language"]
    assert (first_stats.pop("stage_cache"), second_stats.pop("stage_cache")) == ("miss", "hit")
    assert second_stats == first_stats
    assert (tmp_path / "language" / "langdetect.parquet").exists()
    # without the stage cache's entry the detector runs again and takes every answer from its own cache
    shutil.rmtree(tmp_path / "stages")
    third_ctx = StageContext(cache_dir=tmp_path, workers=1)
    assert language_stage(_frame(), {"language": config}, third_ctx).equals(first)
    detector = third_ctx.stats["language"]["detector"]
    assert detector["langdetect_texts"] > 0
    assert detector["cache_hits"] == detector["langdetect_texts"]


def test_rows_already_dropped_keep_their_first_reason(tmp_path: Path) -> None:
    frame = with_ledger(_frame()).with_columns(
        pl.when(pl.col("id") == "mismatch")
        .then(pl.lit("empty_response"))
        .otherwise(pl.col("drop_reason"))
        .alias("drop_reason")
    )
    out = language_stage(frame, {"language": _config({})}, StageContext(cache_dir=tmp_path, workers=1))
    row = out.filter(pl.col("id") == "mismatch").row(0, named=True)
    assert row["drop_reason"] == "empty_response"
    assert row["failed_rules"] == ["language_mismatch"]


def test_no_section_no_change() -> None:
    frame = _frame()
    assert language_stage(frame, {}, StageContext()).equals(frame)


def test_instruction_quoting_other_script_is_not_a_mismatch(tmp_path: Path) -> None:
    frame = frame_from_rows(
        [
            _row(
                "quotes",
                "把名词 watch 变成复数形式。",
                "The plural form of watch is watches, as in many watches.",
            ),
            _row(
                "pure",
                "将这句话归类为一种特定的情绪。",
                "This sentence could be categorized as a feeling of loneliness.",
            ),
        ]
    )
    out = language_stage(frame, {"language": _config({})}, StageContext(cache_dir=tmp_path, workers=1))
    assert out["lang.response"].to_list() == ["en", "en"]
    assert out["drop_reason"].to_list() == [None, "language_mismatch"]


def test_short_instructions_are_judged_for_mismatch_on_their_letter_share(tmp_path: Path) -> None:
    # Both instructions are under PURITY_MIN_LETTERS (no purity column value), yet one is plainly Chinese
    # answered in English; the other quotes an English word, so its English reply may be right.
    frame = frame_from_rows(
        [
            _row(
                "short", "计算 2202 加 3267 等于多少？", "I am sorry, but I will answer in English right now."
            ),
            _row("quotes", "把 watch 变成复数。", "The plural form of watch is watches, as in many watches."),
            _row("agree", "计算 12 加 30 等于多少？", "十二加三十等于四十二，所以答案是四十二。"),
            # same script on both sides: short texts cannot tell such languages apart reliably, not judged
            _row("latin", "Name three natural elements.", "Vand, ild og jord er tre naturlige elementer."),
            # a mostly Chinese reply naming things in English is not in another script
            _row(
                "names", "说出三种会计软件。", "会计软件有很多种，常用的三种会计软件是 QuickBooks 和 Xero。"
            ),
        ]
    )
    out = language_stage(frame, {"language": _config({})}, StageContext(cache_dir=tmp_path, workers=1))
    assert out["lang.instruction"].to_list() == ["zh", "zh", "zh", "en", "zh"]
    # Danish ("vand": Norwegian writes "vann"); by n-grams alone it was "no", the word lists say da
    assert out["lang.response"].to_list() == ["en", "en", "zh", "da", "zh"]
    assert out["lang_purity.instruction"].to_list() == [None] * 5
    assert out["drop_reason"].to_list() == ["language_mismatch", None, None, None, None]
    assert not [name for name in out.columns if name.startswith("__")]


def test_letter_share_has_no_length_floor() -> None:
    from winnow.curation.language.identify import letter_share

    texts = pl.Series(["计算 2202 加 3267 等于多少？", "把 watch 变成复数。", "", "hi"])
    langs = pl.Series(["zh", "zh", "zh", "und"])
    shares = letter_share(texts, langs).to_list()
    assert shares[0] == 1.0
    assert shares[1] == 15.0 / 20.0  # 5 Han characters x 3 weighted letters vs 5 Latin letters
    assert shares[2:] == [None, None]


def test_translation_material_may_be_in_any_language(tmp_path: Path) -> None:
    german = "Legen Sie die Füße nicht auf die Instrumententafel, und schnallen Sie sich immer an."
    frame = frame_from_rows(
        [
            _row("translate", f"{german}\n\nCould you please translate this to English?", EN_REPLY),
            _row("german", f"{german} Was bedeutet das?", "Das bedeutet, dass man vorsichtig fahren soll."),
        ]
    )
    config = _config({"fields": {"instruction": {"allowed": ["zh", "en"]}}})
    ctx = StageContext(cache_dir=tmp_path, workers=1)
    out = language_stage(with_ledger(frame), {"language": config}, ctx)
    assert out["lang.instruction"].to_list() == ["de", "de"]
    assert out["drop_reason"].to_list() == [None, "language_not_allowed"]
    assert ctx.stats["language"]["translation_exempt"] == 1
