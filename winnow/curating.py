"""`winnow.curation`: a rule file run over a Corpus in memory, every stage `winnow curate` runs, no folder needed.

    curated = winnow.curate(corpus, rules="default")   # a shipped rule file, a path, a dict or a RuleFile
    curated.kept, curated.dropped, curated.flagged      # views of `curated.frame` (every row, with its ledger)
    curated.stats["rules"]                              # per rule: failed, dropped first, action, threshold
    curated.save("runs/r1")                             # the run folder `winnow curate -o runs/r1` writes

Rows are never deleted: `frame` holds every row read, with `drop_reason` (null = kept), `failed_rules` and
`flagged_rules` (winnow.curation.ledger); `kept` and `dropped` split it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from winnow.curation.errors import UsageError
from winnow.curation.rulefile.load import RuleFile, load_rule_file, parse_rules
from winnow.curation.run_curate import curate_frame
from winnow.curation.run_folder import write_run_folder
from winnow.reading import Corpus, read


@dataclass
class Curated:
    """What a rule file made of a corpus: every row with its ledger, the stats, and where it was saved."""

    frame: pl.DataFrame
    stats: dict[str, Any]
    rules: RuleFile
    quarantine: pl.DataFrame
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    run_dir: Path | None = None  # set by `save` (or `curate(..., run_dir=)`)

    @property
    def kept(self) -> pl.DataFrame:
        return self.frame.filter(pl.col("drop_reason").is_null())

    @property
    def dropped(self) -> pl.DataFrame:
        return self.frame.filter(pl.col("drop_reason").is_not_null())

    @property
    def flagged(self) -> pl.DataFrame:
        """Kept rows a rule with `action: flag` failed (worth a look, not dropped)."""
        return self.kept.filter(pl.col("flagged_rules").list.len() > 0)

    def save(self, run_dir: str | Path) -> Path:
        """Write the run folder (kept/dropped/rows parquet, stats.json, quarantine, resolved rules) that
        `winnow export`, `winnow shard` and `winnow report` read; returns its path."""
        path = Path(run_dir)
        run = write_run_folder(path, self.frame, self.quarantine, self.stats, self.rules, self.tables)
        self.stats = {"run": run, **{k: v for k, v in self.stats.items() if k != "run"}}
        self.run_dir = path
        return path

    def __repr__(self) -> str:
        return (
            f"Curated({self.frame.height:,} rows: {self.kept.height:,} kept, {self.dropped.height:,} dropped, "
            f"{self.flagged.height:,} flagged; {self.quarantine.height:,} quarantined; rules {self.rules.source})"
        )


def rule_file(rules: str | Path | dict[str, Any] | RuleFile) -> RuleFile:
    """A RuleFile from a shipped rule file's name (`default`, `zh`, `en`, `strict`), a path, or a mapping."""
    if isinstance(rules, RuleFile):
        return rules
    if isinstance(rules, dict):
        return parse_rules(rules, source="<dict>")
    path = Path(rules)
    if path.is_file():
        return load_rule_file(path)
    from winnow.rules import shipped_rule_file, shipped_rule_names

    if str(rules).removesuffix(".yaml") in shipped_rule_names():
        return load_rule_file(shipped_rule_file(str(rules)))
    raise UsageError(
        f"no rule file {rules!r}",
        hint=f"pass a path, a dict, or a shipped rule file: {', '.join(shipped_rule_names())}",
    )


def curate(
    corpus: Corpus | Any,
    rules: str | Path | dict[str, Any] | RuleFile = "default",
    *,
    run_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
) -> Curated:
    """Run every stage of `rules` over `corpus` (a Corpus, or anything `winnow.read` takes). With `run_dir`
    the run folder is written too; with `cache_dir` metric values are cached there for the next run."""
    if not isinstance(corpus, Corpus):
        corpus = read(corpus)
    rule_set = rule_file(rules)
    result = curate_frame(
        corpus.records,
        rule_set,
        cache_dir=Path(cache_dir) if cache_dir is not None else None,
        quarantined=corpus.quarantine.height,
        rows_read=corpus.rows_read,
        inputs=sorted(corpus.formats),
        formats=corpus.formats,
    )
    curated = Curated(result.frame, result.stats, rule_set, corpus.quarantine, result.tables)
    if run_dir is not None:
        curated.save(run_dir)
    return curated
