"""Profile sections measured per field: length distributions (characters; tokens with a tokenizer) and
languages per field.

Character lengths run over every row (Polars). Tokens and languages are slower (a tokenizer call; the n-gram
detector for texts the script pass cannot settle), so they run on a seeded sample and the section says how big.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from winnow.curation.record import field_expr
from winnow.reports.binning import histogram
from winnow.reports.charts import histogram_svg
from winnow.reports.html import not_available, num, pct, table, text
from winnow.reports.views.mix import _counts

if TYPE_CHECKING:
    from winnow.curation.language.section import LanguageConfig

LENGTH_FIELDS = ("instruction", "input", "response", "system", "all_text")
LANGUAGE_FIELDS = ("instruction", "response")
TOKEN_SAMPLE = 5000
LANGUAGE_SAMPLE = 20_000  # the n-gram detector settles ~15k texts/s per core: about a second or two
QUANTILES = (0.5, 0.9, 0.99)


def _quantile_cells(values: pl.Series, key: str) -> list[str]:
    present = values.drop_nulls()
    cells = [num(present.len(), f"profile.length.{key}.rows")]
    for q in QUANTILES:
        cells.append(num(None if present.is_empty() else float(present.quantile(q, "nearest") or 0)))
    top = present.cast(pl.Float64).max()
    cells.append(num(None if top is None else int(float(top)), f"profile.length.{key}.max"))  # type: ignore[arg-type]
    return cells


def render_lengths(records: pl.DataFrame) -> str:
    lengths = records.select([field_expr(f).str.len_chars().alias(f) for f in LENGTH_FIELDS])
    rows, charts = [], []
    for f in LENGTH_FIELDS:
        values = lengths[f].filter(lengths[f] > 0) if f in ("input", "system") else lengths[f]
        rows.append([text(f), *_quantile_cells(values, f)])
        if f in ("instruction", "response", "all_text") and values.drop_nulls().len():
            charts.append(
                f"<div>{histogram_svg(histogram(values), x_label=f'{f} characters', width=380)}</div>"
            )
    note = (
        '<p class="note">input and system count only rows that have one; CJK characters count one each.</p>'
    )
    return (
        table(["field", "rows", "p50", "p90", "p99", "max"], rows)
        + note
        + f'<div class="grid">{"".join(charts)}</div>'
    )


def render_tokens(records: pl.DataFrame, tokenizer_path: Path | None, seed: int = 0) -> str:
    if tokenizer_path is None:
        return not_available("Token lengths", "no --tokenizer given")
    from transformers import AutoTokenizer  # slow import: only when asked for

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_path))
    sample = records.sample(min(TOKEN_SAMPLE, records.height), seed=seed) if records.height else records
    rows, charts = [], []
    for f in ("instruction", "response", "all_text"):
        texts = [t or "" for t in sample.select(field_expr(f)).to_series().to_list()]
        counts = pl.Series(f, [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]])
        rows.append([text(f), *_quantile_cells(counts, f"tokens.{f}")])
        charts.append(f"<div>{histogram_svg(histogram(counts), x_label=f'{f} tokens', width=380)}</div>")
    return (
        f'<p class="note">Tokenizer {text(tokenizer_path)}; a seeded sample of {sample.height:,} of '
        f"{records.height:,} rows.</p>"
        + table(["field", "rows", "p50", "p90", "p99", "max"], rows)
        + f'<div class="grid">{"".join(charts)}</div>'
    )


def language_config(rules: Path) -> LanguageConfig:
    """The rule file's language section, or the language stage's defaults where it has none: the profile
    detects a field's language by the rule the run uses (issue 20: with the detector's own min_words 1 the
    profile said 1,294 en where the run, at min_words 3, said 168 en + 1,126 und for the same instructions)."""
    from winnow.curation.language.section import LanguageConfig
    from winnow.curation.rulefile.load import load_rule_file

    config = load_rule_file(rules).sections.get("language")
    return config if isinstance(config, LanguageConfig) else LanguageConfig()


def _field_progress(
    progress: Callable[[str, int, int], None], description: str
) -> Callable[[int, int], None]:
    return lambda done, total: progress(description, done, total)


def render_languages(
    records: pl.DataFrame,
    rules: Path,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> str:
    """Languages of instruction and response, detected with `rules`' language settings (see language_config);
    `progress(description, done, total)` follows the n-gram detector, the slow part."""
    try:
        from winnow.curation.language.identify import identify
    except ModuleNotFoundError as error:
        return not_available("Languages", f"the language stage is not installed ({error.name})")
    config = language_config(rules)
    settings = config.identify_settings()
    sample = records.sample(min(LANGUAGE_SAMPLE, records.height), seed=seed) if records.height else records
    parts = []
    for f in LANGUAGE_FIELDS:
        texts = sample.select(field_expr(f)).to_series()
        present = texts.filter(texts.fill_null("").str.len_chars() > 0)
        if present.is_empty():
            continue
        moved = None if progress is None else _field_progress(progress, f"detecting languages: {f}")
        result, _ = identify(present, settings, progress=moved)
        counts = _counts(result["lang"])
        rows = [
            [text(lang), num(n, f"profile.lang.{f}.{lang}"), pct(n, present.len())]
            for lang, n in counts.items()
        ]
        parts.append(f"<div><h3>{text(f)}</h3>" + table(["language", "rows", "share"], rows[:20]) + "</div>")
    scope = (
        f"all {records.height:,} rows"
        if sample.height == records.height
        else f"a seeded sample of {sample.height:,} of {records.height:,} rows"
    )
    return (
        f'<p class="note">Detected on {scope} (script pass, then the n-gram detector for the rest) with the '
        f"language settings of {text(rules)}, as a run's language stage detects them: a text the script pass "
        f"cannot settle with fewer than {config.min_words} word(s) or {config.min_letters:g} letters is "
        '"und" (undetermined).</p>' + f'<div class="grid">{"".join(parts)}</div>'
    )
