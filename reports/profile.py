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
from winnow.reports.views.profile_checks import default_rule_file, render_checks, render_duplicates
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


Progress = Callable[[str, int, int], None]
"""(description, done, total), the shape of run_curate's progress: the CLIs draw one bar per description."""

SECTIONS = 6  # the steps "profile sections" counts: structure, lengths, languages, checks, duplicates, sample


def build_profile_page(
    corpus: Corpus,
    *,
    tokenizer: Path | None = None,
    rules: Path | None = None,
    progress: Progress | None = None,
) -> tuple[Page, dict[str, Any]]:
    """The page and the facts the terminal summary prints; `progress` sees each section and the language
    detector (the parts that take seconds to minutes on a real corpus), so no minute passes silently."""
    say = progress or (lambda _description, _done, _total: None)
    rule_file = rules or default_rule_file()
    records = corpus.records
    page = Page(
        title="winnow profile",
        subtitle=f"inputs: {text(', '.join(short_name(i) for i in corpus.inputs) or '?')} · {records.height:,} rows",
    )
    done = 0

    def section_done() -> None:
        nonlocal done
        done += 1
        say("profile sections", done, SECTIONS)

    say("profile sections", 0, SECTIONS)
    page.add(
        "Formats and quarantine",
        render_formats(corpus.formats, corpus.quarantine, corpus.rows_read),
        key="formats",
    )
    page.add("Rows by source, kind and task", render_composition(records), key="composition")
    page.add("Conversation structure", render_structure(records), key="structure")
    section_done()
    page.add(
        "Lengths",
        render_lengths(records) + "<h3>Tokens</h3>" + render_tokens(records, tokenizer),
        key="lengths",
    )
    section_done()
    page.add("Languages per field", render_languages(records, rule_file, progress=progress), key="languages")
    section_done()
    page.add("Checks: what the rule file would drop", render_checks(records, rules), key="checks")
    section_done()
    page.add("Duplicates", render_duplicates(records), key="duplicates")
    section_done()
    page.add(
        "Sample of rows", render_sample(records), key="sample", note="A seeded random sample; text truncated."
    )
    section_done()
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
    progress: Progress | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Read the inputs, write the profile atomically; returns (path, facts for the summary)."""
    if progress is not None:
        progress("reading inputs", 0, 1)
    corpus = read_inputs(inputs, format)
    if progress is not None:
        progress("reading inputs", 1, 1)
    page, facts = build_profile_page(corpus, tokenizer=tokenizer, rules=rules, progress=progress)
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
