"""The `language` stage (order 30): detect languages, then record three kinds of failure on the ledger.

    language_not_allowed  a checked field (or any message) is in a language the rule file does not allow, or
                          too short to name ("und") but written in a script no allowed language is
                          ("Сцена первая." under allowed: [en]; winnow.curation.language.exclusion);
                          the instruction and input of a translation request may be in any language (they
                          hold the material to translate; the request itself is recognised in en or zh)
    language_impure       a checked field's (or any message's) purity is below its min_purity
    language_mismatch     instruction and response are in different languages, the instruction quotes no
                          material in another script (a short one: the two are in different scripts), and
                          the row is not a translation request (winnow.curation.language.translation)

"und" (too short to tell) fails no other check. Code is not measured (winnow.curation.language.code_text): a field
that is code, and a reply to a prompt asking for code with little prose around it, have no language (null),
so no rule judges them; `code_not_measured` counts them per field.

Every row gets the columns, dropped rows included (rows are never deleted); the language counts in the
stats are over the rows still kept when the stage starts.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any, Final

import polars as pl

from winnow.curation.language.annotate import annotate_languages, lang_column, purity_column
from winnow.curation.language.cache import LanguageCache
from winnow.curation.language.code_text import without_code_replies
from winnow.curation.language.detect import DETECTOR_VERSION
from winnow.curation.language.exclusion import excluded_by_script
from winnow.curation.language.identify import letter_share
from winnow.curation.language.scripts import purity_groups
from winnow.curation.language.section import LanguageConfig
from winnow.curation.language.translation import translation_request
from winnow.curation.ledger import with_ledger
from winnow.curation.record import field_expr, instruction_expr, message_contents_expr, response_expr
from winnow.curation.sparse_ledger import record_failures_sparse
from winnow.curation.stage_cache import StageCache, StageOutput, code_digest, stage_content
from winnow.curation.stages import RuleSet, StageContext, stage

REASONS: Final = ("language_not_allowed", "language_impure", "language_mismatch")
# Fields where a translation request puts the text to translate: exempt from `allowed` in such a request.
MATERIAL_FIELDS: Final = ("instruction", "input")
# An instruction that quotes material in another script ("把 watch 变成复数", "写一个隐藏 .hide-this 的 jQuery
# 脚本") may rightly be answered in that material's language: the mismatch is judged only when at least this
# share of the instruction's letters are in its own language. Short instructions have no purity (too short
# for the impurity rule), yet most instructions are short, and "计算 2202 加 3267 等于多少？" answered in English
# is a mismatch as much as a long one. For them the rule asks for what short texts can show reliably: a
# mismatch of scripts (Han vs Latin, not English vs Danish), both sides at least this share in their script.
MISMATCH_MIN_INSTRUCTION_PURITY: Final = 0.9
SHORT_MISMATCH: Final = "__lang_short_mismatch"
SCRIPT_EXCLUDED: Final = "__lang_script_excluded"
# translation_request(instruction, task), measured once per row (the failures and the stats all read it)
TRANSLATION: Final = "__lang_translation"
# per scalar field: text there but no language (code is not measured), for the stats' code_not_measured
CODE_NOT_MEASURED: Final = "__lang_code_not_measured"


def _not_allowed(name: str, allowed: tuple[str, ...]) -> pl.Expr:
    """Needs the field's SCRIPT_EXCLUDED column (with_script_excluded) besides its language column."""

    def bad(lang: pl.Expr) -> pl.Expr:
        return lang.is_not_null() & (lang != "und") & ~lang.is_in(list(allowed))

    if name == "messages":
        detected = pl.col(lang_column(name)).list.eval(bad(pl.element())).list.any()
    else:
        detected = bad(pl.col(lang_column(name)))
    return detected | pl.col(script_excluded_column(name))


def script_excluded_column(name: str) -> str:
    return f"{SCRIPT_EXCLUDED}.{name}"


def with_script_excluded(frame: pl.DataFrame, config: LanguageConfig) -> pl.DataFrame:
    """SCRIPT_EXCLUDED.<field> for every field with `allowed`: the field (any message) is "und" and written
    in a script none of the allowed languages is (winnow.curation.language.exclusion); false elsewhere."""
    columns = []
    for name in config.detected_fields():
        allowed = config.rule_for(name).allowed
        if allowed is None:
            continue
        if name == "messages":
            turns = frame.select(
                pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"),
                message_contents_expr().alias("text"),
                pl.col(lang_column(name)).alias("lang"),
            ).explode("text", "lang")
        else:
            turns = frame.select(
                pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"),
                field_expr(name).alias("text"),
                pl.col(lang_column(name)).alias("lang"),
            )
        und = turns.filter(pl.col("lang") == "und")
        hit = und.filter(excluded_by_script(und["text"], allowed))["__row"].unique()
        flags = pl.Series(script_excluded_column(name), [False] * frame.height, dtype=pl.Boolean)
        columns.append(flags.scatter(hit, True) if hit.len() else flags)
    return frame.with_columns(columns)


def _impure(name: str, min_purity: float) -> pl.Expr:
    if name == "messages":
        return pl.col(purity_column(name)).list.eval(pl.element() < min_purity).list.any()
    return pl.col(purity_column(name)) < min_purity


def _languages_differ() -> pl.Expr:
    instruction, response = pl.col(lang_column("instruction")), pl.col(lang_column("response"))
    known = instruction.is_not_null() & response.is_not_null() & (instruction != "und") & (response != "und")
    return known & (instruction != response)


def _mismatch() -> pl.Expr:
    """Needs SHORT_MISMATCH (with_short_mismatch) besides the language columns."""
    purity = pl.col(purity_column("instruction"))
    judged = (purity >= MISMATCH_MIN_INSTRUCTION_PURITY) | (purity.is_null() & pl.col(SHORT_MISMATCH))
    return _languages_differ() & judged


def with_short_mismatch(frame: pl.DataFrame) -> pl.DataFrame:
    """SHORT_MISMATCH: on rows whose instruction has no purity (too short) and whose languages differ,
    whether instruction and response are written in different scripts, each at least
    MISMATCH_MIN_INSTRUCTION_PURITY in its own; false elsewhere."""
    needed = (_languages_differ() & pl.col(purity_column("instruction")).is_null()).fill_null(False)
    index = frame.select(needed.arg_true()).to_series()
    flags = pl.Series(SHORT_MISMATCH, [False] * frame.height, dtype=pl.Boolean)
    if index.len():
        rows = frame[index]
        langs = {f: rows.get_column(lang_column(f)) for f in ("instruction", "response")}
        shares = {
            f: letter_share(rows.select(field_expr(f)).to_series(), langs[f]).fill_null(0.0).to_list()
            for f in langs
        }
        mismatched = [
            not set(purity_groups(a)) & set(purity_groups(b))
            and min(sa, sb) >= MISMATCH_MIN_INSTRUCTION_PURITY
            for a, b, sa, sb in zip(
                langs["instruction"].to_list(),
                langs["response"].to_list(),
                shares["instruction"],
                shares["response"],
                strict=True,
            )
        ]
        flags = flags.scatter(index, pl.Series(mismatched, dtype=pl.Boolean))
    return frame.with_columns(flags)


def failure_exprs(config: LanguageConfig) -> dict[str, dict[str, pl.Expr]]:
    """reason → {field (or "row") → failure expression}; fields without a rule are left out."""
    failures: dict[str, dict[str, pl.Expr]] = {reason: {} for reason in REASONS}
    translation = pl.col(TRANSLATION)
    for name in config.detected_fields():
        rule = config.rule_for(name)
        if rule.allowed is not None:
            not_allowed = _not_allowed(name, rule.allowed)
            # a translation request carries its material in the instruction or input: "Legen Sie die Füße
            # nicht auf die Instrumententafel. Translate this to English." is an English task on German text
            failures["language_not_allowed"][name] = (
                not_allowed & ~translation if name in MATERIAL_FIELDS else not_allowed
            )
        if rule.min_purity is not None:
            failures["language_impure"][name] = _impure(name, rule.min_purity)
    if config.mismatch:
        failures["language_mismatch"]["row"] = _mismatch() & ~translation
    return failures


def _exempted(config: LanguageConfig) -> pl.Expr:
    """Rows that a translation exemption spared: a mismatch, or material in a language not allowed."""
    spared = [_mismatch()] if config.mismatch else []
    for name in config.detected_fields():
        rule = config.rule_for(name)
        if rule.allowed is not None and name in MATERIAL_FIELDS:
            spared.append(_not_allowed(name, rule.allowed))
    if not spared:
        return pl.lit(False)
    return pl.any_horizontal(spared).fill_null(False) & pl.col(TRANSLATION)


def _language_counts(frame: pl.DataFrame, fields: tuple[str, ...]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for name in fields:
        column = pl.col(lang_column(name))
        values = frame.select(column.explode() if name == "messages" else column).to_series().drop_nulls()
        table = values.value_counts(sort=True, name="n")
        counts[name] = {row[lang_column(name)]: row["n"] for row in table.iter_rows(named=True)}
    return counts


def code_not_measured_column(name: str) -> str:
    return f"{CODE_NOT_MEASURED}.{name}"


def with_code_not_measured(frame: pl.DataFrame, fields: tuple[str, ...]) -> pl.DataFrame:
    """CODE_NOT_MEASURED.<field> per scalar field: text there but no language (code is not measured)."""
    return frame.with_columns(
        (
            (field_expr(name).str.strip_chars().str.len_chars().fill_null(0) > 0)
            & pl.col(lang_column(name)).is_null()
        ).alias(code_not_measured_column(name))
        for name in fields
        if name != "messages"
    )


def _code_not_measured(frame: pl.DataFrame, fields: tuple[str, ...]) -> dict[str, int]:
    """Per scalar field: rows with text there but no language (needs with_code_not_measured's columns)."""
    return {
        name: int(frame.get_column(code_not_measured_column(name)).sum())
        for name in fields
        if name != "messages"
    }


def _measure_key(frame: pl.DataFrame, config: LanguageConfig, ctx: StageContext) -> str:
    """Everything the measured columns depend on: the rows' content and the settings that enter detection,
    never min_purity or an action (applied to the columns afterwards)."""
    allowed = {name: config.rule_for(name).allowed for name in config.detected_fields()}
    settings = f"{config.detected_fields()}|{config.identify_settings()!r}|{allowed}|{config.mismatch}"
    return StageCache.key(
        "language",
        content=stage_content(frame, ctx),
        settings=settings,
        detector=f"{DETECTOR_VERSION}|wordfreq={version('wordfreq')}",
        code=code_digest("language", "record.py", "code_lines.py"),
    )


def measure(
    frame: pl.DataFrame, config: LanguageConfig, ctx: StageContext
) -> tuple[pl.DataFrame, dict[str, Any], str]:
    """The columns of the row's content alone: lang.* and lang_purity.* (code replies cleared), SHORT_MISMATCH,
    SCRIPT_EXCLUDED.* and TRANSLATION; the detector's stats; and whether the stage cache had them (hit, miss,
    off without a cache folder). Reused from the stage cache when the content
    and the detection settings are those of an earlier run (the rule-tuning loop)."""
    cache = StageCache(ctx.cache_dir)
    key = _measure_key(frame, config, ctx) if cache.root is not None else ""
    hit = cache.load("language", key) if key else None
    if hit is not None:
        return frame.with_columns(hit.columns), hit.stats, "hit"
    fields = config.detected_fields()
    answers = LanguageCache(ctx.cache_dir).load()

    def progress(done: int, total: int) -> None:
        ctx.report_progress("language: n-gram detector", done, total)

    measured, pass_stats = annotate_languages(
        frame, fields, config.identify_settings(), cache=answers, progress=progress
    )
    answers.save()
    if "response" in fields:  # a reply to a prompt asking for code is judged on its prose only
        measured = without_code_replies(measured, response_expr(), instruction_expr())
    if config.mismatch:
        measured = with_short_mismatch(measured)
    measured = with_script_excluded(measured, config).with_columns(
        translation_request(instruction_expr(), pl.col("task")).alias(TRANSLATION)
    )
    measured = with_code_not_measured(measured, fields)
    detector = {
        "texts": pass_stats.texts,
        "unique_texts": pass_stats.unique_texts,
        "settled_by_script": pass_stats.settled_by_script,
        "langdetect_texts": pass_stats.langdetect_texts,
        "cache_hits": pass_stats.cache_hits,
        "code_texts": pass_stats.code_texts,
        "cache_entries": len(answers),
    }
    columns = measured.select(c for c in measured.columns if c not in frame.columns or _is_measured(c))
    if key:
        cache.save("language", key, StageOutput(columns, detector))
    return measured, detector, "miss" if key else "off"


def _is_measured(name: str) -> bool:
    return name.startswith(("lang.", "lang_purity.", SCRIPT_EXCLUDED, CODE_NOT_MEASURED)) or name in (
        SHORT_MISMATCH,
        TRANSLATION,
    )


@stage("language", order=30)
def language_stage(frame: pl.DataFrame, rules: RuleSet, ctx: StageContext) -> pl.DataFrame:
    config: LanguageConfig | None = rules.get("language")
    if config is None:
        return frame
    frame = with_ledger(frame)
    fields = config.detected_fields()
    frame, detector, outcome = measure(frame, config, ctx)
    was_kept = frame["drop_reason"].is_null()
    # every failure and every count reads the measured columns only: gather those, not the whole rows
    kept_before = frame.select(c for c in frame.columns if _is_measured(c)).filter(was_kept)
    failures = failure_exprs(config)
    combined = [
        (reason, pl.any_horizontal(list(by_field.values())))
        for reason, by_field in failures.items()
        if by_field
    ]
    per_field = {
        reason: kept_before.select(
            [expr.fill_null(False).sum().alias(name) for name, expr in by_field.items()]
        ).row(0, named=True)
        for reason, by_field in failures.items()
        if by_field
    }
    translation_exempt = int(kept_before.select(_exempted(config).fill_null(False).sum()).item())

    frame = record_failures_sparse(frame, combined, flagged=config.flagged)
    frame = frame.drop(
        [c for c in frame.columns if c.startswith((SCRIPT_EXCLUDED, CODE_NOT_MEASURED))]
        + [SHORT_MISMATCH, TRANSLATION],
        strict=False,
    )
    newly = frame["drop_reason"].filter(was_kept)
    dropped = {reason: int((newly == reason).sum()) for reason in REASONS}
    ctx.stats["language"] = _stats(
        config, fields, kept_before, per_field, dropped, translation_exempt, detector
    )
    ctx.stats["language"]["stage_cache"] = outcome
    return frame


def _stats(
    config: LanguageConfig,
    fields: tuple[str, ...],
    kept_before: pl.DataFrame,
    per_field: dict[str, dict[str, Any]],
    dropped: dict[str, int],
    translation_exempt: int,
    detector: dict[str, Any],
) -> dict[str, Any]:
    return {
        "rows_checked": kept_before.height,
        "languages": _language_counts(kept_before, fields),
        "code_not_measured": _code_not_measured(kept_before, fields),
        "failed_by_field": {
            reason: {k: int(v) for k, v in counts.items()} for reason, counts in per_field.items()
        },
        "dropped": dropped,
        "translation_exempt": translation_exempt,
        "detector": {
            "version": DETECTOR_VERSION,
            "candidates": list(config.candidates) if config.candidates else None,
            **detector,
        },
    }
