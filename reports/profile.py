"""profile.html for a raw corpus, before any rule removes anything.

    from winnow.reports import write_profile
    write_profile(["data/alpaca_zh.json"], Path("profile.html"), tokenizer=None, rules=None)

Sections: formats and quarantined lines; rows by source, kind and task; conversation structure; languages
per field; length distributions (characters, tokens with a tokenizer); every check of the rule file (the
default one unless `rules`) with its metric distribution, threshold and would-drop count; exact and
near-duplicate estimate; a sample of rows. A section whose stage module is missing says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.atomic import atomic_open
from winnow.reports.html import Page, short_name, text
from winnow.reports.views.profile_checks import render_checks, render_duplicates
from winnow.reports.views.profile_corpus import (
    render_composition,
    render_formats,
    render_sample,
    render_structure,
)
from winnow.reports.views.profile_lengths import render_languages, render_lengths, render_tokens

QUARANTINE_COLUMNS = {"source": pl.String, "line": pl.Int64, "error": pl.String, "snippet": pl.String}


@dataclass
class Corpus:
    """What the reader returned (the fields of winnow.curation.io.read.ReadResult)."""

    records: pl.DataFrame
    quarantine: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=QUARANTINE_COLUMNS))
    formats: dict[str, dict[str, int]] = field(default_factory=dict)
    rows_read: int = 0
    inputs: list[str] = field(default_factory=list)


def read_inputs(inputs: Sequence[str | Path], format: str | None = None) -> Corpus:
    from winnow.curation.io.read import (
        read_corpus,  # the reader (issue 2); imported here so reports/ loads without it
    )

    result = read_corpus(list(inputs), format=format)
    return Corpus(
        records=result.records,
        quarantine=result.quarantine,
        formats=result.formats,
        rows_read=result.rows_read,
        inputs=[str(i) for i in inputs],
    )


Step = Callable[[str], None]


def build_profile_page(
    corpus: Corpus,
    *,
    tokenizer: Path | None = None,
    rules: Path | None = None,
    step: Step | None = None,
) -> tuple[Page, dict[str, Any]]:
    """The page and the facts the terminal summary prints."""
    say = step or (lambda _: None)
    records = corpus.records
    page = Page(
        title="winnow profile",
        subtitle=f"inputs: {text(', '.join(short_name(i) for i in corpus.inputs) or '?')} · {records.height:,} rows",
    )
    say("formats and structure")
    page.add(
        "Formats and quarantine",
        render_formats(corpus.formats, corpus.quarantine, corpus.rows_read),
        key="formats",
    )
    page.add("Rows by source, kind and task", render_composition(records), key="composition")
    page.add("Conversation structure", render_structure(records), key="structure")
    say("lengths")
    page.add(
        "Lengths",
        render_lengths(records) + "<h3>Tokens</h3>" + render_tokens(records, tokenizer),
        key="lengths",
    )
    say("languages")
    page.add("Languages per field", render_languages(records), key="languages")
    say("checks")
    page.add("Checks: what the rule file would drop", render_checks(records, rules), key="checks")
    say("duplicates")
    page.add("Duplicates", render_duplicates(records), key="duplicates")
    page.add(
        "Sample of rows", render_sample(records), key="sample", note="A seeded random sample; text truncated."
    )
    facts = {
        "rows read": corpus.rows_read,
        "rows accepted": records.height,
        "quarantined": corpus.quarantine.height,
        "sources": len(corpus.formats),
    }
    return page, facts


def profile_corpus(
    inputs: Sequence[str | Path],
    output: Path,
    *,
    tokenizer: Path | None = None,
    rules: Path | None = None,
    format: str | None = None,
    step: Step | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Read the inputs, write the profile atomically; returns (path, facts for the summary)."""
    corpus = read_inputs(inputs, format)
    page, facts = build_profile_page(corpus, tokenizer=tokenizer, rules=rules, step=step)
    with atomic_open(output) as handle:
        handle.write(page.render())
    return Path(output), facts


def write_profile(
    inputs: Sequence[str | Path],
    output: Path,
    *,
    tokenizer: Path | None = None,
    rules: Path | None = None,
    format: str | None = None,
) -> Path:
    """Write profile.html for the raw corpus in `inputs`; returns its path."""
    return profile_corpus(inputs, output, tokenizer=tokenizer, rules=rules, format=format)[0]
